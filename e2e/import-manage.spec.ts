import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

// Issue 16 on the import page: verify on import and the loud scene warning, human step labels from
// another tool (step-labels, auto-detected), and deleting an import from the history with a
// confirmation that counts what goes.

const CANONICAL = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");
const IMAGE = path.resolve("prisma/demo/clevr/CLEVR_train_000781.png");

test("traces verified on import, step labels from another tool, and an import deleted from the history", async ({ page, request }) => {
  const dataset = `e2e-labels-${Date.now()}`;
  await page.goto("/import");
  await page.getByTestId("file-input").setInputFiles([CANONICAL, IMAGE]);
  await page.getByLabel("Dataset").fill(dataset);
  await expect(page.getByLabel(/Verify after import/)).toBeChecked();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByTestId("import-result");
  await expect(result.locator('[data-count="traces"]')).toHaveText("2");
  await expect(result.getByTestId("import-verification")).toContainText(/Verified with config v\d+ \(run \d+\): 2 traces/);
  await expect(result.getByTestId("unverifiable")).toContainText("2 traces cannot be verified against a scene");
  await expect(page.getByTestId("import-progress")).toHaveAttribute("data-phases-seen", /write,(verify,)?done$/);

  // labels as another tool writes them: numeric-string step, capitalised label, CRLF, a BOM
  const ids = fs.readFileSync(CANONICAL, "utf8").trim().split("\n").map((l) => JSON.parse(l).id as string);
  const lines = [
    { trace: ids[0], step: "0", label: "Accept", reviewer: "Ann" },
    { trace: ids[1], step: 2, label: "reject", reviewer: "Ann", comment: "wrong object", time: "2026-11-30T10:00:00Z" },
  ];
  const labels = `\ufeff${lines.map((l) => JSON.stringify(l)).join("\r\n")}\r\n`;
  await page.getByTestId("file-input").setInputFiles({ name: "labels.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(labels) });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(result.locator('[data-count="labels"]')).toHaveText("2");
  await expect(result).toContainText("labels.jsonl · step-labels");

  // delete the labels import from the history: the dialog counts what goes
  const history = page.getByTestId("import-history");
  const row = history.locator("tbody tr").filter({ hasText: "labels.jsonl" }).first();
  await row.getByRole("button", { name: /Delete import/ }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("import-delete-contents")).toContainText("2 imported labels");
  await dialog.getByRole("button", { name: "Delete import" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.locator("td").nth(3)).toContainText("deleted");
  const traces = await (await request.get(`/api/traces?dataset=${dataset}`)).json();
  expect(traces.total).toBe(2);
});
