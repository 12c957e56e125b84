import { expect, test } from "@playwright/test";

// The formats added through the ExportFormatDefinition registry appear in the export form by
// themselves, with the options their definitions honour, and export like the others.

test("VisualProcessBench and MM-PRM are selectable in the form, with their own options, and export", async ({ page, request }) => {
  await page.goto("/exports");
  await page.getByLabel("dataset clevr-demo").uncheck();
  await page.getByLabel("dataset visprog-gqa").check();
  await page.getByText("More options").click();
  await page.getByLabel("Images", { exact: true }).selectOption("reference");

  // MM-PRM honours neutral / label type and truncation, not masking or γ
  await page.getByRole("radio", { name: /MM-PRM/ }).check();
  await expect(page.getByLabel("Neutral steps count as")).toBeVisible();
  await expect(page.getByLabel("Discount γ")).toHaveCount(0);
  await expect(page.getByLabel("Truncate after the first error")).toBeEnabled();
  await expect(page.getByLabel("Wrong steps").locator('option[value="mask"]')).toBeDisabled();

  // VisualProcessBench: truncation yes, neutral / label type no (its neutral is always 0)
  await page.getByRole("radio", { name: /VisualProcessBench/ }).check();
  await expect(page.getByLabel("Neutral steps count as")).toHaveCount(0);
  await expect(page.getByLabel("Images", { exact: true }).locator('option[value="embed"]')).toBeDisabled();
  const config = { datasets: ["visprog-gqa"], format: "visualprocessbench", images: "reference" };
  const expected = await (await request.post("/api/exports/preview", { data: config })).json();
  expect(expected.counts.rows).toBeGreaterThan(0);
  await expect(page.getByTestId("export-preview")).toHaveAttribute("data-rows", String(expected.counts.rows));

  const before = await page.locator("li[data-export-id]").count();
  await page.getByRole("button", { name: /Start export/ }).click();
  await expect(page.locator("li[data-export-id]")).toHaveCount(before + 1);
  const item = page.locator("li[data-export-id]").first();
  await expect(item).toHaveAttribute("data-status", "done");
  await expect(item).toContainText("VisualProcessBench step correctness");
  const id = Number(await item.getAttribute("data-export-id"));
  const detail = await (await request.get(`/api/exports/${id}`)).json();
  expect(detail).toMatchObject({ format: "visualprocessbench", status: "done", rows: expected.counts.rows });
  expect(detail.card).toContain("`process_correctness`");
  expect(detail.manifest.config).toMatchObject(config);
});
