import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { openTrace } from "./helpers";

// Agent logs through the upload page against the real server: a Visual Sketchpad-shaped chat array
// is recognised, its inline image stored and served, its code step shown; the same file forced
// through the ReAct text reader is refused, naming the file and what a ReAct record looks like.

const SKETCHPAD = path.resolve("fixtures/agent-logs/react-chat/clevr-781-sketchpad.json");

test("a chat-array agent log uploads with its inline image; the trace shows its tool calls and code step", async ({ page, request }) => {
  await page.goto("/import");
  await page.getByTestId("file-input").setInputFiles(SKETCHPAD);
  await page.getByLabel("Dataset").fill("e2e-agent-log");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByTestId("import-result");
  await expect(result).toContainText("clevr-781-sketchpad.json · react-chat");
  await expect(result.locator('[data-count="traces"]')).toHaveText("1");
  await expect(result.locator('[data-count="steps"]')).toHaveText("15");
  await expect(result.locator('[data-count="images"]')).toHaveText("1");

  const traces = await (await request.get("/api/traces?dataset=e2e-agent-log")).json();
  expect(traces.total).toBe(1);
  const detail = await (await request.get(`/api/traces/${traces.items[0].id}`)).json();
  expect(detail).toMatchObject({ question: "How many cylinders are left of the small gray cylinder?", finalAnswer: "2", format: "react-chat" });
  expect(detail.image).toMatchObject({ name: expect.stringMatching(/^[0-9a-f]{16}\.png$/), width: 480, height: 320, available: true });
  const image = await request.get(`/api/images/${detail.image.id}`);
  expect(image.headers()["content-type"]).toBe("image/png");
  expect((await image.body()).length).toBe(193801);

  await openTrace(page, traces.items[0].id);
  await expect(page.getByText("argsRaw")).toBeVisible();
  await expect(page.getByText("n = len(cylinders)", { exact: false }).first()).toBeVisible();
});

test("a file from which the chosen format recognises nothing fails, naming the file and what was expected", async ({ page, request }) => {
  await page.goto("/import");
  await page.getByTestId("file-input").setInputFiles(SKETCHPAD);
  await page.getByLabel("Dataset").fill("e2e-agent-log-none");
  await page.getByLabel("Format").selectOption("react");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-progress")).toHaveAttribute("data-phase", "failed");
  const failure = page.getByTestId("import-error");
  await expect(failure).toContainText("Nothing was imported");
  const row = failure.locator('tbody tr[data-line="1"]');
  await expect(row).toContainText("clevr-781-sketchpad.json");
  await expect(row).toContainText("no record recognised as react (expected ReAct text logs");
  const datasets = await (await request.get("/api/datasets")).json();
  expect(datasets.map((d: { name: string }) => d.name)).not.toContain("e2e-agent-log-none");
});

test("POST /api/imports answers 400 for a file in which the chosen format recognises nothing", async ({ request }) => {
  const response = await request.post("/api/imports", {
    multipart: { dataset: "e2e-agent-log-api-none", format: "react", files: { name: "output.json", mimeType: "application/json", buffer: fs.readFileSync(SKETCHPAD) } },
  });
  expect(response.status()).toBe(400);
  expect((await response.json()).error.details).toEqual([{ file: "output.json", line: 1, path: "$", error: expect.stringMatching(/^no record recognised as react \(expected ReAct text logs/) }]);
});
