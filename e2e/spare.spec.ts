import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { x as extract } from "tar";

// SpaRE as a user runs it: caption file → job in the UI → funnel (removed examples, relation chart)
// → pair review with the keyboard → publish → VQA SFT export, archive checked on disk.

const CAPTIONS = path.resolve("fixtures/spare/locnar_eval_iiw_p5b_first20.jsonl");

test("run SpaRE from the UI, read the funnel, review pairs by keyboard, export VQA SFT", async ({ page, request }) => {
  test.setTimeout(120_000);
  const dataset = `e2e-spare-${Date.now()}`;
  await page.goto("/spare");
  const form = page.getByRole("form", { name: "New SpaRE run" });
  await expect(form).toHaveAttribute("data-ready", "true");
  await form.getByLabel("Dataset").fill(dataset);
  await form.locator('input[type="file"]').setInputFiles(CAPTIONS);
  await form.getByRole("button", { name: "Run SpaRE" }).click();

  // the funnel: the job finishes, the stages carry the pinned counts of this fixture
  await expect(page).toHaveURL(/\/spare\/\d+$/);
  const job = Number(page.url().split("/").pop());
  await expect(page.getByText("done", { exact: true })).toBeVisible({ timeout: 60_000 });
  const stage = (key: string) => page.locator(`[data-stage="${key}"]`);
  await expect(stage("captions")).toHaveAttribute("data-count", "20");
  await expect(stage("generated")).toHaveAttribute("data-count", "102");
  await expect(stage("exact_duplicate")).toHaveAttribute("data-removed", "6");
  await expect(stage("not_spatial")).toHaveAttribute("data-count", "96");
  const chart = page.getByTestId("relation-chart");
  await expect(chart).toHaveAttribute("data-kept", "96");
  await expect(chart).toHaveAttribute("data-relations", /^(29|[3-9]\d)$/);
  const api = await (await request.get(`/api/spare/runs/${job}`)).json();
  expect(api.summary.pairs).toEqual({ generated: 102, kept: 96, unparseable: 0 });

  // the examples a filter removed → the pair in review, its caption's source phrase marked
  await stage("exact_duplicate").getByRole("button", { name: "−6" }).click();
  const examples = page.getByRole("list", { name: /Removed by/ });
  await expect(examples.getByRole("listitem")).toHaveCount(6); // 5 examples + "all removed pairs"
  const first = api.examples.exact_duplicate[0];
  await examples.getByRole("link", { name: first.question }).first().click();
  await expect(page).toHaveURL(new RegExp(`/spare/${job}/review\\?removedBy=exact_duplicate&pair=${first.pairId}`));
  const review = page.getByTestId("spare-review");
  await expect(review).toHaveAttribute("data-ready", "true");
  await expect(page.getByTestId("pair-total")).toHaveText("6 pairs");
  const current = page.getByRole("article", { name: "Current pair" });
  await expect(current).toHaveAttribute("data-pair", String(first.pairId));
  await expect(page.getByTestId("caption-text").locator('mark[data-source="true"]').first()).toBeVisible();

  // keyboard: a accepts (the filter removed a good pair) and moves on; r rejects
  await page.keyboard.press("a");
  await expect.poll(async () => (await (await request.get(`/api/spare/runs/${job}/pairs?removedBy=exact_duplicate&label=accept`)).json()).total).toBe(1);
  const second = await current.getAttribute("data-pair");
  expect(Number(second)).not.toBe(first.pairId);
  await page.keyboard.press("r");
  await expect.poll(async () => (await (await request.get(`/api/spare/runs/${job}/pairs?removedBy=exact_duplicate&label=reject`)).json()).total).toBe(1);
  // u undoes the reject
  await page.keyboard.press("u");
  await expect.poll(async () => (await (await request.get(`/api/spare/runs/${job}/pairs?removedBy=exact_duplicate&label=reject`)).json()).total).toBe(0);
  await expect(current).toHaveAttribute("data-pair", String(second));

  // kept pairs: j moves, e edits (Enter saves = accept with the edit), r rejects
  await page.getByLabel("Status").selectOption("kept");
  await expect(page.getByTestId("pair-total")).toHaveText("96 pairs");
  await page.keyboard.press("j");
  await page.keyboard.press("e");
  const answer = page.getByLabel("Answer", { exact: true });
  await answer.fill("Edited in the browser.");
  await answer.press("Enter");
  await expect.poll(async () => (await (await request.get(`/api/spare/runs/${job}/pairs?status=kept&label=accept`)).json()).pairs.map((p: { editedAnswer: string | null }) => p.editedAnswer)).toEqual(["Edited in the browser."]);
  await page.keyboard.press("r");
  await expect.poll(async () => (await (await request.get(`/api/spare/runs/${job}/pairs?status=kept&label=reject`)).json()).total).toBe(1);

  // the funnel's precision table counts the labels; publish the pairs to the dataset
  await page.goto(`/spare/${job}`);
  await expect(page.locator('[data-filter="exact_duplicate"]')).toContainText("1");
  await page.getByRole("button", { name: "Publish to dataset" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Published" })).toContainText("Published 96 pairs"); // 96 kept − 1 rejected + 1 accepted duplicate

  // export VQA SFT from the exports page and check the archive
  await page.goto("/exports");
  await page.getByLabel("dataset clevr-demo").uncheck();
  await page.getByLabel(`dataset ${dataset}`).check();
  await page.getByRole("radio", { name: /VQA SFT/ }).check();
  await page.getByLabel("De-duplicate image + question").uncheck(); // every reviewed pair, edits included
  // the list already holds earlier exports: wait for the new one (newest first) before reading it
  const before: number[] = (await (await request.get("/api/exports")).json()).map((e: { id: number }) => e.id);
  await page.getByRole("button", { name: /Start export/ }).click();
  await expect(page.locator("li[data-export-id]")).toHaveCount(before.length + 1);
  const item = page.locator("li[data-export-id]").first();
  expect(before).not.toContain(Number(await item.getAttribute("data-export-id")));
  await expect(item).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  const downloadEvent = page.waitForEvent("download");
  await item.getByRole("link", { name: "Download" }).click();
  const download = await downloadEvent;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-spare-"));
  const archive = path.join(dir, download.suggestedFilename());
  await download.saveAs(archive);
  await extract({ file: archive, cwd: dir });
  const root = path.join(dir, download.suggestedFilename().replace(/\.tar\.gz$/, ""));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "manifest.json"), "utf8"));
  expect(manifest.config).toMatchObject({ datasets: [dataset], format: "vqa-sft" });
  const rows = manifest.files
    .filter((f: { path: string }) => f.path.startsWith("data/") && f.path.endsWith(".jsonl"))
    .flatMap((f: { path: string }) => fs.readFileSync(path.join(root, f.path), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
  expect(rows).toHaveLength(96);
  for (const row of rows) {
    expect(row.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
    expect(row.meta.method).toBe("spare");
  }
  expect(rows.some((r: { messages: Array<{ content: unknown }> }) => JSON.stringify(r.messages[1].content).includes("Edited in the browser."))).toBe(true);
});
