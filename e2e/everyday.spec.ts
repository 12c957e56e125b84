import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { openTrace, uploadFiles } from "./helpers";

// Everyday use (issue 16): the datasets dashboard, deleting a dataset, the calibration charts'
// legends, re-runs that propagate, and Re-generate from here with its archived continuation.
// Counts are read from the API at run time; what a test changes is its own (a throw-away dataset,
// a trace found from the end of the list).

interface Step { id: number; index: number; kind: string; tool: string | null; callId: string | null; args: unknown; result: unknown; revision: number; text: string | null }
interface Trace { id: number; version: number; steps: Step[] }

const stepItems = (page: Page) => page.locator("li[data-step-index]");
const trace = async (request: APIRequestContext, id: number): Promise<Trace> => (await request.get(`/api/traces/${id}`)).json();
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
const QUESTIONS = path.resolve("fixtures/generation/template-questions.jsonl");

async function sceneDataset(request: APIRequestContext, name: string): Promise<void> {
  await uploadFiles(request, name, [{ name: "clevr-scenes-small.json", mimeType: "application/json", buffer: fs.readFileSync(SCENES) }]);
  await expect.poll(async () => (await (await request.get("/api/datasets")).json()).some((d: { name: string; scenes: number }) => d.name === name && d.scenes > 0), { timeout: 30_000 }).toBe(true);
}

test("the datasets dashboard: a quality histogram over the scores' span, runs, review progress, rules and coverage", async ({ page, request }) => {
  const metrics = await (await request.get("/api/datasets/clevr-demo/metrics")).json();
  expect(metrics.run).not.toBeNull();
  await page.goto("/");
  const card = page.locator('[data-dataset-card="clevr-demo"]');
  const histogram = card.getByTestId("card-histogram");
  await expect(histogram).toHaveAttribute("data-total", String(metrics.run.traces));
  await expect(histogram.locator(".recharts-bar-rectangle").first()).toBeVisible();
  // scaled to where the data is: several bins, not one bar of 0–1
  expect(Number(await histogram.getAttribute("data-bins"))).toBeGreaterThan(1);
  await expect(card.getByTestId("card-runs")).not.toHaveAttribute("data-runs", "0");
  await expect(card.getByTestId("card-coverage")).toHaveAttribute("data-steps", /[1-9]/);
  const review = card.getByTestId("card-review");
  await expect(review).toHaveAttribute("data-traces", String((await (await request.get("/api/datasets")).json()).find((d: { name: string }) => d.name === "clevr-demo").traces));
});

test("delete a throw-away dataset from its dashboard card, after seeing what goes", async ({ page, request }) => {
  const name = unique("e2e-delete");
  await sceneDataset(request, name);
  const contents = await (await request.get(`/api/datasets/${encodeURIComponent(name)}/contents`)).json();
  await page.goto("/");
  const card = page.locator(`[data-dataset-card="${name}"]`);
  await expect(card).toBeVisible();
  await expect(card.getByTestId("card-unverified")).toBeVisible();
  await card.getByRole("button", { name: `Delete ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete ${name}` });
  await expect(dialog.getByTestId("delete-contents")).toContainText(`${contents.scenes} scenes`);
  const confirm = dialog.getByRole("button", { name: "Delete dataset" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Dataset name to confirm").fill(name);
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(card).toHaveCount(0);
  expect((await (await request.get("/api/datasets")).json()).some((d: { name: string }) => d.name === name)).toBe(false);
});

test("calibration: the reliability diagram plots observed acceptance with a legend; ROC and failures charts are labelled", async ({ page, request }) => {
  await page.goto("/calibration?dataset=visprog-gqa&tab=traces");
  const reliability = page.getByTestId("reliability-chart");
  await expect(reliability).toBeVisible();
  await expect(reliability.locator(".recharts-legend-wrapper")).toContainText("perfectly calibrated");
  await expect(reliability.locator(".recharts-legend-wrapper")).toContainText("accepted by people");
  // the points are (predicted, observed) as the API's bins say — observed is the accepted share
  const report = await (await request.get("/api/calibration?dataset=visprog-gqa")).json();
  const bins = (report.traces.reliability.bins as Array<{ n: number; rate: { value: number | null } }>).filter((b) => b.n > 0 && b.rate.value !== null);
  await expect(reliability).toHaveAttribute("data-observed", bins.map((b) => b.rate.value!.toFixed(3)).join(","));
  await expect(page.getByTestId("roc-chart")).toContainText("false-positive rate");
  await expect(page.getByTestId("roc-chart")).toContainText("true-positive rate");
  await page.goto("/calibration?dataset=visprog-gqa&tab=failures");
  await expect(page.getByTestId("failure-bars").locator(".recharts-legend-wrapper")).toContainText("rejected by a human");
});

test("Fit says what saving changes: valid ratio and kept traces before → after", async ({ page, request }) => {
  const metrics = await (await request.get("/api/datasets/visprog-gqa/metrics")).json();
  const valid = Math.round(metrics.overall.validRatio * metrics.overall.traces);
  await page.goto("/calibration?dataset=visprog-gqa");
  await page.getByRole("link", { name: "Fit", exact: true }).click();
  const effect = page.getByTestId("fit-threshold-effect");
  await expect(effect).toContainText("Valid ratio");
  await expect(effect).toHaveAttribute("data-valid-before", String(valid));
  const keptBefore = Number(await effect.getAttribute("data-kept-before"));
  // a threshold of 1 keeps fewer valid traces but makes none valid or invalid
  await page.getByTestId("fit-threshold").fill("1");
  await expect(effect).toContainText("→ 1.000)");
  await expect(effect).toHaveAttribute("data-valid-after", String(valid));
  expect(Number(await effect.getAttribute("data-kept-after"))).toBeLessThanOrEqual(keptBefore);
});

test("edit a tool call and re-run it: a later step that used the old result now fails", async ({ page, request }) => {
  const list = (await (await request.get("/api/traces?dataset=clevr-demo&limit=100")).json()).items as Array<{ id: number }>;
  let target: Trace | null = null;
  let call: Step | null = null;
  // from the end of the list: review.spec takes the first such trace
  for (const t of [...list].reverse()) {
    const d = await trace(request, t.id);
    call = d.steps.find((s, i) => {
      if (s.kind !== "tool_call" || s.tool !== "relate") return false;
      const res = d.steps.find((r) => r.kind === "tool_result" && r.callId === s.callId);
      const next = d.steps.slice(i + 1).find((n) => n.kind === "tool_call");
      return s.revision === 0 && Array.isArray(res?.result) && res.result.length > 0 && JSON.stringify((next?.args as { objects?: unknown })?.objects) === JSON.stringify(res.result);
    }) ?? null;
    if (call) { target = d; break; }
  }
  expect(target).not.toBeNull();
  call = call!;
  const args = call.args as { relation: string };
  const flipped = ({ left: "right", right: "left", front: "behind", behind: "front" } as Record<string, string>)[args.relation];
  const consumer = target!.steps.slice(call.index + 1).find((s) => s.kind === "tool_call")!;

  await openTrace(page, target!.id);
  const before = await stepItems(page).nth(consumer.index).getAttribute("data-outcome");
  expect(before).not.toBe("fail");
  await stepItems(page).nth(call.index).click();
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("textbox", { name: "Tool arguments (JSON)" }).fill(JSON.stringify({ ...args, relation: flipped }));
  await page.getByRole("button", { name: "Re-run" }).click();
  await expect(stepItems(page).nth(call.index + 1)).toHaveAttribute("data-revision", "1");
  await expect(stepItems(page).nth(consumer.index)).toHaveAttribute("data-outcome", "fail");
  await expect(stepItems(page).nth(consumer.index).locator('[data-rule="cross.propagation"]')).toHaveAttribute("data-rule-outcome", "fail");
});

test("Re-generate from here: the teacher writes a new continuation and the old one stays viewable and restorable", async ({ page, request }) => {
  test.setTimeout(120_000);
  // a dataset of our own with traces a generation job wrote on the built-in teacher
  const name = unique("e2e-regen");
  await sceneDataset(request, name);
  const started = await request.post("/api/generation", {
    data: { dataset: name, questionsFile: { name: "template.jsonl", text: fs.readFileSync(QUESTIONS, "utf8") }, teacher: { kind: "builtin", faults: "none" }, method: "direct", limit: 3, concurrency: 1 },
  });
  expect(started.status(), await started.text()).toBeLessThan(300);
  const job = (await started.json()) as { id: number };
  await expect.poll(async () => (await (await request.get(`/api/generation/${job.id}`)).json()).status, { timeout: 60_000 }).toBe("done");
  const items = (await (await request.get(`/api/traces?dataset=${encodeURIComponent(name)}&limit=10`)).json()).items as Array<{ id: number }>;
  let target: Trace | null = null;
  for (const t of items) {
    const d = await trace(request, t.id);
    if (d.steps.filter((s) => s.kind === "tool_call").length >= 2) { target = d; break; }
  }
  expect(target).not.toBeNull();
  const secondCall = target!.steps.filter((s) => s.kind === "tool_call")[1];
  const old = target!.steps.filter((s) => s.index > secondCall.index + 1);

  await openTrace(page, target!.id);
  await expect(page.getByTestId("continuations-bar")).toHaveAttribute("data-branches", "0");
  await stepItems(page).nth(secondCall.index).click();
  await page.getByRole("button", { name: /Re-generate from here/ }).click();
  const dialog = page.getByTestId("regenerate-dialog");
  await expect(dialog.getByRole("radio", { name: /The configured teacher: built-in teacher/ })).toBeChecked();
  await dialog.getByRole("button", { name: "Re-generate" }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId("continuations-bar")).toHaveAttribute("data-branches", "1");

  const after = await trace(request, target!.id);
  expect(after.version).toBe(target!.version + 1);
  // the kept steps are the same rows; what follows is new
  expect(after.steps.slice(0, secondCall.index + 2).map((s) => s.id)).toEqual(target!.steps.slice(0, secondCall.index + 2).map((s) => s.id));
  expect(after.steps.slice(secondCall.index + 2).every((s) => !old.some((o) => o.id === s.id))).toBe(true);

  // the old continuation is viewable: its steps as they were
  await page.getByRole("button", { name: /Archived continuations \(1\)/ }).click();
  const archive = page.getByRole("dialog", { name: "Archived continuations" });
  const branch = archive.locator("li[data-branch]");
  await expect(branch).toHaveAttribute("data-after", String(secondCall.index + 1));
  await expect(branch).toHaveAttribute("data-steps", String(old.length));
  const steps = archive.getByRole("list", { name: /Steps of continuation/ });
  await expect(steps.locator("li")).toHaveCount(old.length);
  const oldText = old.find((s) => s.kind !== "tool_result" && s.kind !== "tool_call")?.text;
  if (oldText) await expect(steps).toContainText(oldText.slice(0, 40));

  // restore brings the old steps back and archives the regenerated ones
  await archive.getByRole("button", { name: "Restore" }).click();
  await expect(archive).toBeHidden();
  await expect(page.getByTestId("continuations-bar")).toHaveAttribute("data-branches", "1");
  const restored = await trace(request, target!.id);
  expect(restored.steps.map((s) => [s.kind, s.text, s.tool, s.args, s.result])).toEqual(target!.steps.map((s) => [s.kind, s.text, s.tool, s.args, s.result]));
});

test("Re-generate from here without a configured teacher says why", async ({ page, request }) => {
  const items = (await (await request.get("/api/traces?dataset=visprog-gqa&limit=5")).json()).items as Array<{ id: number }>;
  const id = items[0].id;
  const info = await (await request.get(`/api/traces/${id}/continuations`)).json();
  expect(info.teacher.available).toBe(false);
  await openTrace(page, id);
  await page.keyboard.press("Shift+G");
  const dialog = page.getByTestId("regenerate-dialog");
  await expect(dialog.getByRole("radio", { name: /The configured teacher/ })).toBeDisabled();
  await expect(dialog.getByTestId("no-teacher")).toContainText("no teacher is configured for dataset \"visprog-gqa\"");
});
