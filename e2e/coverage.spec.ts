import { expect, test } from "@playwright/test";

// Coverage as a user meets it (docs/design.md §5 Coverage): the metrics page of the verified demo
// shows checked / unchecked steps per kind and why, links to the traces with unchecked steps (the
// trace list's filter), and the review queue can offer unchecked steps first.

test("metrics page: coverage per step kind, reasons, and the link to traces with unchecked steps", async ({ page, request }) => {
  const metrics = await (await request.get("/api/datasets/clevr-demo/metrics")).json();
  const coverage = metrics.coverage as { kinds: Record<string, { checked: number; unchecked: number }>; tracesWithUnchecked: number };
  expect(coverage.kinds.plan.unchecked).toBeGreaterThan(0);

  await page.goto("/datasets/clevr-demo/metrics");
  const table = page.getByTestId("coverage-table");
  await expect(table).toBeVisible();
  for (const [kind, row] of Object.entries(coverage.kinds)) {
    await expect(table.locator(`tr[data-kind="${kind}"] [data-col="checked"]`)).toHaveText(row.checked.toLocaleString("en-US"));
    await expect(table.locator(`tr[data-kind="${kind}"] [data-col="unchecked"]`)).toHaveText(row.unchecked.toLocaleString("en-US"));
  }
  await expect(page.getByTestId("coverage-reasons")).toContainText("no rule checks plan steps");

  await page.getByRole("link", { name: "Traces with unchecked steps →" }).click();
  await expect(page).toHaveURL(/unchecked=true/);
  await expect(page.getByLabel("Unchecked steps")).toHaveValue("true");
  const listed = await (await request.get("/api/traces?dataset=clevr-demo&unchecked=true&limit=1")).json();
  expect(listed.total).toBe(coverage.tracesWithUnchecked);
});

test("review queue: 'Unchecked first' offers the trace with the most unchecked steps and says why", async ({ page, request }) => {
  const items: Array<{ id: number }> = (await (await request.get("/api/traces?dataset=clevr-demo&limit=1")).json()).items;
  await page.goto(`/traces/${items[0].id}`);
  const workspace = page.getByTestId("review-workspace");
  await expect(workspace).toHaveAttribute("data-ready", "true");
  const api = await (await request.get(`/api/queue/next?dataset=clevr-demo&after=${items[0].id}&prefer=unchecked`)).json();
  await page.getByLabel("Unchecked steps first").check();
  await expect(page.getByTestId("queue-reason")).toContainText("the verifier could not check");
  await page.getByRole("button", { name: "Next trace" }).click();
  await expect(page).toHaveURL(new RegExp(`/traces/${api.traceId}`));
});
