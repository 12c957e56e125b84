import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { x as extract } from "tar";

// Exports as a user builds them: pick datasets, a format and filters in the form, watch the job's
// progress, download the archive and check what is inside (card, manifest, shards) on disk.

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

test("build an export with filters, watch it finish, download the archive", async ({ page, request }) => {
  await page.goto("/exports");
  await page.getByLabel("dataset clevr-demo").uncheck();
  await page.getByLabel("dataset visprog-gqa").check();
  await page.getByRole("radio", { name: /TRL SFT/ }).check();
  await page.getByLabel("Human-accepted only").check();
  await page.getByLabel("train", { exact: true }).fill("0.7");
  await page.getByLabel("validation", { exact: true }).fill("0.15");
  await page.getByLabel("test", { exact: true }).fill("0.15");
  await page.getByLabel("seed", { exact: true }).fill("11");
  await page.getByText("More options").click();
  await page.getByLabel("Images", { exact: true }).selectOption("reference");
  await page.getByLabel(/Also write Parquet/).check();

  // the preview agrees with the API for the same config
  const config = {
    datasets: ["visprog-gqa"], format: "trl-sft", humanAcceptedOnly: true, images: "reference",
    split: { train: 0.7, validation: 0.15, test: 0.15 }, seed: 11, parquet: true,
  };
  const expected = await (await request.post("/api/exports/preview", { data: config })).json();
  expect(expected.counts.rows).toBeGreaterThan(0);
  await expect(page.getByTestId("export-preview")).toHaveAttribute("data-rows", String(expected.counts.rows));
  await expect(page.getByTestId("skipped").locator('[data-reason="not_human_accepted"]')).toContainText(String(expected.skipped.not_human_accepted));

  const before = (await (await request.get("/api/exports")).json()).map((e: { id: number }) => e.id);
  await page.getByRole("button", { name: /Start export/ }).click();
  await expect(page.locator("li[data-export-id]")).toHaveCount(before.length + 1);
  const item = page.locator("li[data-export-id]").first();
  const id = Number(await item.getAttribute("data-export-id"));
  expect(before).not.toContain(id);
  await expect(item.getByRole("progressbar")).toBeVisible();
  await expect(item).toHaveAttribute("data-status", "done");
  await expect(item.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  const job = await (await request.get(`/api/exports/${id}`)).json();
  expect(job).toMatchObject({ status: "done", progress: 1, rows: expected.counts.rows });

  const downloadEvent = page.waitForEvent("download");
  await item.getByRole("link", { name: "Download" }).click();
  const download = await downloadEvent;
  expect(download.suggestedFilename()).toMatch(/\.tar\.gz$/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-export-"));
  const archive = path.join(dir, download.suggestedFilename());
  await download.saveAs(archive);
  await extract({ file: archive, cwd: dir });
  const root = path.join(dir, download.suggestedFilename().replace(/\.tar\.gz$/, ""));

  const card = fs.readFileSync(path.join(root, "README.md"), "utf8");
  expect(card).toMatch(/^---\n/);
  expect(card).toContain("configs:");
  expect(card).toContain("path: data/train-*.jsonl");
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "manifest.json"), "utf8"));
  expect(manifest.config).toMatchObject({ datasets: ["visprog-gqa"], format: "trl-sft", humanAcceptedOnly: true, seed: 11, split: { train: 0.7, validation: 0.15, test: 0.15 }, parquet: true });
  const shards = manifest.files.filter((f: { path: string }) => f.path.startsWith("data/") && f.path.endsWith(".jsonl"));
  expect(shards.length).toBeGreaterThan(0);
  // every JSONL shard has its Parquet twin with the same row count
  for (const shard of shards) {
    expect(manifest.files).toContainEqual(expect.objectContaining({ path: shard.path.replace(/\.jsonl$/, ".parquet"), rows: shard.rows }));
  }
  let rows = 0;
  for (const file of manifest.files) {
    expect(sha256(path.join(root, file.path))).toBe(file.sha256);
    if (file.path.startsWith("data/") && file.path.endsWith(".jsonl")) {
      const lines = fs.readFileSync(path.join(root, file.path), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toHaveLength(file.rows);
      for (const line of lines) expect(line.meta.judgment).toBe("good");
      rows += lines.length;
    }
  }
  expect(rows).toBe(expected.counts.rows);
});

test("the detail page shows the card and files; configs the data cannot honour say why", async ({ page, request }) => {
  // KTO on the VisProg sample: the labels are the real human verdicts imported with it
  const created = await (await request.post("/api/exports", { data: { datasets: ["visprog-gqa"], format: "kto", images: "reference" } })).json();
  await expect.poll(async () => (await (await request.get(`/api/exports/${created.id}`)).json()).status).toBe("done");
  await page.goto(`/exports/${created.id}`);
  await expect(page.locator(`[data-export-id="${created.id}"]`)).toHaveAttribute("data-status", "done");
  await expect(page.getByRole("region", { name: "Dataset card" })).toContainText("configs:");
  await expect(page.getByRole("region", { name: "Dataset card" })).toContainText("external:visprog");
  const detail = await (await request.get(`/api/exports/${created.id}`)).json();
  for (const file of detail.files) await expect(page.locator(`tr[data-file="${file.path}"]`)).toContainText(String(file.bytes.toLocaleString("en-US")));

  // a human-labelled PRM export of traces nobody has labelled has nothing to write, and says why
  const humanOnly = { datasets: ["clevr-demo"], format: "trl-prm", labels: "human-only", images: "none", humanAcceptedOnly: true };
  const nothing = await (await request.post("/api/exports/preview", { data: humanOnly })).json();
  expect(nothing.counts.rows).toBe(0);
  const empty = await (await request.post("/api/exports", { data: humanOnly })).json();
  await page.goto("/exports");
  const failed = page.locator(`li[data-export-id="${empty.id}"]`);
  await expect(failed).toHaveAttribute("data-status", "failed");
  await expect(failed.getByTestId("export-stage")).toContainText(/nothing to export: all \d+ traces were left out/);

  // valid-only narrows the CLEVR demo to the traces the verifier passed
  await page.getByLabel("dataset clevr-demo").check();
  await page.getByLabel("dataset visprog-gqa").uncheck();
  const all = await (await request.post("/api/exports/preview", { data: { datasets: ["clevr-demo"], format: "trl-sft" } })).json();
  const valid = await (await request.post("/api/exports/preview", { data: { datasets: ["clevr-demo"], format: "trl-sft", validOnly: true } })).json();
  expect(valid.counts.rows).toBeLessThan(all.counts.rows);
  await page.getByLabel("Valid traces only").check();
  await expect(page.getByTestId("export-preview")).toHaveAttribute("data-rows", String(valid.counts.rows));

  // Ctrl+Enter starts an export from the keyboard, like the button
  await page.getByLabel("Valid traces only").uncheck();
  await expect(page.getByTestId("export-preview")).toHaveAttribute("data-rows", String(all.counts.rows));
  const count = await page.locator("li[data-export-id]").count();
  await page.getByLabel("seed", { exact: true }).press("Control+Enter");
  await expect(page.locator("li[data-export-id]")).toHaveCount(count + 1);
  await expect(page.locator("li[data-export-id]").first()).toHaveAttribute("data-status", "done");

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: `Delete export ${created.id}` }).click();
  await expect(page.locator(`li[data-export-id="${created.id}"]`)).toHaveCount(0);
  expect((await request.get(`/api/exports/${created.id}`)).status()).toBe(404);
});
