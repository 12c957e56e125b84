import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

// The upload page against the real server and database: files chosen or dropped, a progress bar
// fed by XHR upload progress and then the background import's polled status, and a result summary. Assertions
// read the page's state attributes and the API, not pixels.

const BAD_CHAT = path.resolve("fixtures/bad/chat-three-bad-lines.jsonl");
const IMAGE = path.resolve("prisma/demo/clevr/CLEVR_train_000781.png");
const CANONICAL = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");

test("uploading with skip-invalid imports the valid transcript, shows progress and each skipped line", async ({ page, request }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/import$/);
  await page.getByTestId("file-input").setInputFiles([BAD_CHAT, IMAGE]);
  await expect(page.getByRole("list", { name: "Selected files" })).toContainText("chat-three-bad-lines.jsonl");
  await expect(page.getByRole("list", { name: "Selected files" })).toContainText("and 1 image");
  await page.getByLabel("Dataset").fill("e2e-upload-skip");
  await page.getByLabel(/Skip invalid records/).check();
  await page.getByRole("button", { name: "Import", exact: true }).click();

  const progress = page.getByTestId("import-progress");
  await expect(progress).toHaveAttribute("data-phase", "done");
  await expect(page.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");
  await expect(progress).toHaveAttribute("data-phases-seen", /^upload,validate,(validate,)?write,(verify,)?done$/);

  const result = page.getByTestId("import-result");
  await expect(result.locator('[data-count="traces"]')).toHaveText("1");
  await expect(result.locator('[data-count="steps"]')).toHaveText("10");
  const skipped = result.getByTestId("line-errors");
  await expect(skipped.locator("tbody tr")).toHaveCount(3);
  await expect(skipped.locator('tr[data-line="2"]')).toContainText("tool result answers no call");
  await expect(skipped.locator('tr[data-line="3"]')).toContainText("$.messages[1].tool_calls[0].function.arguments");
  await expect(skipped.locator('tr[data-line="4"]')).toContainText('unknown tool "segment"');

  const traces = await (await request.get("/api/traces?dataset=e2e-upload-skip")).json();
  expect(traces.total).toBe(1);
  const detail = await (await request.get(`/api/traces/${traces.items[0].id}`)).json();
  expect(detail.image).toMatchObject({ name: "CLEVR_train_000781.png", width: 480, height: 320, available: true });
  expect((await request.get(`/api/images/${detail.image.id}`)).headers()["content-type"]).toBe("image/png");

  await expect(page.getByTestId("import-history").locator("tbody tr").first()).toContainText("e2e-upload-skip");
});

test("without skip-invalid a bad line aborts the import and the page lists every problem", async ({ page, request }) => {
  await page.goto("/import");
  await page.getByTestId("file-input").setInputFiles(BAD_CHAT);
  await page.getByLabel("Dataset").fill("e2e-upload-strict");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-progress")).toHaveAttribute("data-phase", "failed");
  const failure = page.getByTestId("import-error");
  await expect(failure).toContainText("Nothing was imported");
  await expect(failure.locator("tbody tr")).toHaveCount(3);
  await expect(failure.locator('tr[data-line="2"]')).toContainText("chat-three-bad-lines.jsonl");
  const datasets = await (await request.get("/api/datasets")).json();
  expect(datasets.map((d: { name: string }) => d.name)).not.toContain("e2e-upload-strict");
  await expect(page.getByTestId("import-history").locator('tbody tr[data-status="failed"]').first()).toContainText("e2e-upload-strict");
});

test("a dropped file can be dry-run, then imported; importing it again only finds duplicates", async ({ page, request }) => {
  await page.goto("/import");
  const content = fs.readFileSync(CANONICAL, "utf8");
  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], "dropped.jsonl", { type: "application/x-ndjson" }));
    return transfer;
  }, content);
  await page.getByTestId("drop-zone").dispatchEvent("drop", { dataTransfer });
  await expect(page.getByRole("list", { name: "Selected files" })).toContainText("dropped.jsonl");
  await page.getByLabel("Dataset").fill("e2e-dropped");
  await page.getByLabel(/Dry run/).check();
  await page.getByRole("button", { name: "Validate" }).click();
  const result = page.getByTestId("import-result");
  await expect(result).toHaveAttribute("data-dry-run", "true");
  await expect(result.locator('[data-count="traces"]')).toHaveText("2");
  expect((await (await request.get("/api/datasets")).json()).map((d: { name: string }) => d.name)).not.toContain("e2e-dropped");

  await page.getByLabel(/Dry run/).uncheck();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(result).toHaveAttribute("data-dry-run", "false");
  await expect(result.locator('[data-count="traces"]')).toHaveText("2");
  await expect(result.getByTestId("import-warnings")).toContainText('image "CLEVR_train_000781.png" not found in the uploaded images');

  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(result.locator('[data-count="duplicates"]')).toHaveText("2");
  await expect(result.locator('[data-count="traces"]')).toHaveText("0");
});

test("POST /api/imports takes a streamed multipart upload and answers with the summary", async ({ request }) => {
  const post = () =>
    request.post("/api/imports", {
      multipart: { dataset: "e2e-api", files: { name: "traces.jsonl", mimeType: "application/x-ndjson", buffer: fs.readFileSync(CANONICAL) } },
    });
  const first = await post();
  expect(first.status()).toBe(201);
  expect(await first.json()).toMatchObject({ dataset: "e2e-api", created: { traces: 2, steps: 16 }, duplicates: 0, files: [{ file: "traces.jsonl", format: "canonical" }] });
  expect(await (await post()).json()).toMatchObject({ created: { traces: 0 }, duplicates: 2 });
  const bad = await request.post("/api/imports", { multipart: { dataset: "e2e-api-bad", files: { name: "bad.jsonl", mimeType: "application/x-ndjson", buffer: fs.readFileSync(BAD_CHAT) } } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.details[0]).toEqual({ file: "bad.jsonl", line: 2, path: "$.messages[3].tool_call_id", error: expect.stringContaining("answers no call") });
  const history = await (await request.get("/api/imports?limit=5")).json();
  expect(history[0]).toMatchObject({ dataset: "e2e-api-bad", status: "failed", source: "api" });
});
