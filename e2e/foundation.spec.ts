import { expect, test } from "@playwright/test";
import { openTrace } from "./helpers";

// The demo as a new user sees it: datasets overview → a CLEVR trace with its canvas → a VisProg
// trace with its program steps and human verdict. Assertions read Konva's state, not pixels.

test("datasets overview lists the demo datasets with their counts", async ({ page }) => {
  await page.goto("/");
  const clevr = page.locator('tr[data-dataset="clevr-demo"]');
  // 36 program traces + 120 scripted-teacher traces (lib/services/system/seed.ts)
  await expect(clevr).toContainText("154");
  await expect(page.locator('tr[data-dataset="visprog-gqa"]')).toContainText("100");
});

test("a CLEVR trace shows one object marker per scene object", async ({ page, request }) => {
  await page.goto("/");
  await page.getByRole("table").getByRole("link", { name: "clevr-demo" }).click();
  await expect(page).toHaveURL(/\/traces\?dataset=clevr-demo/);
  const firstRow = page.locator("tr[data-trace-id]").first();
  const traceId = await firstRow.getAttribute("data-trace-id");
  await firstRow.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/traces/${traceId}$`));

  const detail = await (await request.get(`/api/traces/${traceId}`)).json();
  const objects = detail.scene.objects.length;
  expect(objects).toBeGreaterThan(0);

  const canvas = page.getByTestId("trace-canvas");
  await expect(canvas).toHaveAttribute("data-object-markers", String(objects));
  await expect(canvas).toHaveAttribute("data-image-status", "loaded");
  const konvaMarkers = await page.waitForFunction(() => {
    const stages = (window as unknown as { Konva?: { stages: Array<{ find: (s: string) => unknown[] }> } }).Konva?.stages ?? [];
    return stages.length ? stages[0].find(".object-marker").length : 0;
  });
  expect(await konvaMarkers.jsonValue()).toBe(objects);
  await expect(page.getByRole("listitem").and(page.locator("[data-step-index]")).first()).toBeVisible();
  expect(await page.locator("li[data-step-index]").count()).toBe(detail.steps.length);
});

test("hovering a step highlights the objects it references", async ({ page, request }) => {
  const list = await (await request.get("/api/traces?dataset=clevr-demo&limit=1")).json();
  const detail = await (await request.get(`/api/traces/${list.items[0].id}`)).json();
  const step = detail.steps.find((s: { kind: string; refs: number[] }) => s.kind === "tool_call" && s.refs.length > 0);
  await openTrace(page, detail.id);
  await page.locator(`li[data-step-index="${step.index}"]`).hover();
  await expect(page.getByTestId("trace-canvas")).toHaveAttribute("data-highlighted", step.refs.join(","));
});

test("a VisProg trace shows its program steps and the human verdict", async ({ page }) => {
  await page.goto("/traces?dataset=visprog-gqa");
  await page.getByRole("link", { name: /Which kind of furniture is below the decoration/ }).click();
  await expect(page.getByTestId("human-verdict")).toContainText("accept");
  const steps = page.locator("li[data-step-index]");
  await expect(steps.filter({ hasText: "LOC" }).first()).toContainText("decoration");
  await expect(steps.filter({ hasText: "CROP_BELOW" })).toHaveCount(2);
  await expect(steps.last()).toHaveAttribute("data-kind", "answer");
  await expect(steps.last()).toContainText("couch");
});

test("an unknown address and a missing trace get the styled 404; a trace's tab shows its question", async ({ page, request }) => {
  const unknown = await page.goto("/no-such-page");
  expect(unknown?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toContainText("This page does not exist");
  await expect(page.getByRole("link", { name: "Datasets" }).last()).toBeVisible();

  const missing = await page.goto("/traces/999999999");
  expect(missing?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page).toHaveTitle("Not found · Stepwise");

  const list = await (await request.get("/api/traces?dataset=clevr-demo")).json();
  const first = list.items[0] as { id: number; question: string };
  await page.goto(`/traces/${first.id}`);
  await expect(page).toHaveTitle(`${first.question.length > 80 ? first.question.slice(0, 79) + "…" : first.question} · Stepwise`);
});
