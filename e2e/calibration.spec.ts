import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { openTrace, uploadFiles } from "./helpers";

// Calibration end to end against the real server, verifier and database: a dataset of its own (so
// other specs' labels never count here), ten steps labelled with the keyboard on the review page,
// the confusion matrix on the calibration page, then fit → save a new verifier version →
// re-verify → the flips view. Assertions read data attributes and the API, not pixels.

const DATASET = "e2e-calibration";
const SCENES = path.resolve("prisma/demo/clevr/CLEVR_train_scenes_subset5.json");
const IMAGE = path.resolve("prisma/demo/clevr/CLEVR_train_000781.png");

// CLEVR_train_000781: obj_9 is the large yellow rubber sphere; every other object is right of it.
// The teacher re-executes wrongly at step 5 (result.reexec fails), then reasons faithfully from that
// wrong result at step 9 (reasoning.claims fails: false of the scene) and answers 2 (final.correct
// fails: the ground truth is 9). The reviewer rejects steps 5 and 10 but accepts step 9 — the
// reasoning follows from what the tools returned — so the fit should switch reasoning.claims off.
const TRACE = {
  schema: "stepwise.trace/v1",
  id: "calib-e2e-1",
  image: "CLEVR_train_000781.png",
  question: "How many things are right of the yellow sphere?",
  answer: "9",
  method: "direct",
  steps: [
    { kind: "plan", text: "Find the yellow sphere, then the things right of it, then count them." },
    { kind: "tool_call", id: "c1", tool: "detect", args: { query: "yellow sphere" } },
    { kind: "tool_result", call: "c1", output: [{ id: "obj_9", label: "sphere", box: [113, 96, 48, 48] }] },
    { kind: "reasoning", text: "The yellow sphere is obj_9." },
    { kind: "tool_call", id: "c2", tool: "relate", args: { object: "obj_9", relation: "right" } },
    { kind: "tool_result", call: "c2", output: ["obj_0", "obj_1"] },
    { kind: "reasoning", text: "obj_0 and obj_1 are right of obj_9." },
    { kind: "tool_call", id: "c3", tool: "count", args: { objects: ["obj_0", "obj_1"] } },
    { kind: "tool_result", call: "c3", output: 2 },
    { kind: "reasoning", text: "There are 2 things right of obj_9, so the answer is 2." },
    { kind: "answer", text: "2" },
  ],
};
// steps 1–10: accept everything except the wrong result (5) and the wrong answer (10)
const KEYS = ["a", "a", "a", "a", "r", "a", "a", "a", "a", "r"];


test("label ten steps, read the matrix, fit, save a version, re-verify and see the flips", async ({ page, request }) => {
  test.setTimeout(120_000);
  await uploadFiles(request, DATASET, [
    { name: "CLEVR_train_scenes_subset5.json", mimeType: "application/json", buffer: fs.readFileSync(SCENES) },
    { name: "CLEVR_train_000781.png", mimeType: "image/png", buffer: fs.readFileSync(IMAGE) },
  ]);
  await uploadFiles(request, DATASET, [{ name: "calibration-trace.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(`${JSON.stringify(TRACE)}\n`) }], { verify: false });
  const traces = (await (await request.get(`/api/traces?dataset=${DATASET}`)).json()).items as Array<{ id: number }>;
  expect(traces).toHaveLength(1);
  const traceId = traces[0].id;

  // no run yet: the calibration page offers to run the verifier
  await page.goto(`/calibration?dataset=${DATASET}`);
  await expect(page.getByTestId("no-run")).toBeVisible();
  await page.getByRole("button", { name: /Run the verifier now/ }).click();
  await expect(page.getByTestId("label-summary")).toHaveAttribute("data-labelled", "0");
  const firstRun = (await (await request.get(`/api/runs?dataset=${DATASET}`)).json()) as Array<{ id: number; config: number }>;
  expect(firstRun).toHaveLength(1);

  // label steps 1..10 with the keyboard (step 0, the plan, stays unlabelled)
  await openTrace(page, traceId);
  await page.keyboard.press("j");
  for (let i = 0; i < KEYS.length; i++) {
    await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", String(i + 1));
    await page.keyboard.press(KEYS[i]);
    await expect(page.locator(`li[data-step-index="${i + 1}"]`)).toHaveAttribute("data-label", KEYS[i] === "a" ? "accepted" : "rejected");
  }
  // labels are optimistic; the indicator counts the ones still on their way to the server
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-pending", "0");

  // the matrix: steps 5 and 10 fail and are rejected (tp 2), step 9 fails but is accepted (fp 1),
  // the seven others pass and are accepted (tn 7)
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calibration", exact: true }).click();
  await page.getByTestId("calibration-dataset").selectOption(DATASET);
  await expect(page.getByTestId("label-summary")).toHaveAttribute("data-labelled", "10");
  const matrix = page.getByTestId("confusion-matrix");
  await expect(matrix).toHaveAttribute("data-n", "10");
  await expect(matrix).toHaveAttribute("data-tp", "2");
  await expect(matrix).toHaveAttribute("data-fp", "1");
  await expect(matrix).toHaveAttribute("data-fn", "0");
  await expect(matrix).toHaveAttribute("data-tn", "7");
  await expect(matrix.locator('[data-cell="tp"]')).toContainText("2");
  await expect(page.locator('[data-testid="table-agreement-rules"] tr[data-rule="reasoning.claims"]')).toHaveAttribute("data-fp", "1");
  await expect(page.getByTestId("sample-warnings").locator('[data-warning="small_n"]')).toBeVisible();
  // the question was tagged projective at import (relation taxonomy): all ten steps count there
  await expect(page.locator('[data-testid="table-agreement-relation"] tr[data-key="projective"]')).toContainText("10");
  const api = await (await request.get(`/api/calibration?dataset=${DATASET}`)).json();
  expect(api.steps).toMatchObject({ n: 10, tp: 2, fp: 1, fn: 0, tn: 7 });

  // fit: reasoning.claims is proposed off; save as a new version, then re-verify with it
  await page.getByRole("link", { name: "Fit", exact: true }).click();
  const claims = page.locator('[data-testid="table-fit-coefficients"] tr[data-rule="reasoning.claims"]');
  await expect(claims).toHaveAttribute("data-proposed-enabled", "false");
  await expect(page.getByTestId("fit-proposed-matrix")).toHaveAttribute("data-fp", "0");
  // fitted on 10 steps: the panel warns and saves only when told to
  await expect(page.getByTestId("fit-warnings").locator('[data-warning="small_n"]')).toBeVisible();
  await expect(page.getByRole("button", { name: /Save as a new version/ })).toBeDisabled();
  await page.getByTestId("fit-save-anyway").check();
  await page.getByRole("button", { name: /Save as a new version/ }).click();
  const saved = page.getByTestId("fit-saved");
  await expect(saved).toBeVisible();
  const version = Number(await saved.getAttribute("data-version"));
  const configs = (await (await request.get("/api/verifier-configs")).json()) as Array<{ version: number; parentVersion: number | null; rules: Record<string, { enabled: boolean }> }>;
  const config = configs.find((c) => c.version === version)!;
  expect(config.parentVersion).toBe(firstRun[0].config);
  expect(config.rules["reasoning.claims"].enabled).toBe(false);

  await saved.getByRole("button", { name: new RegExp(`Re-verify ${DATASET} with v${version}`) }).click();
  await expect(page).toHaveURL(/tab=flips/);

  // flips: the three reasoning steps are no longer judged; step 9's false failure is gone
  const flips = page.getByTestId("table-flips");
  await expect(flips.locator("tbody tr")).toHaveCount(3);
  await expect(flips.locator('tr[data-step-index="9"]')).toHaveAttribute("data-effect", "unscored");
  for (const index of ["3", "6", "9"]) await expect(flips.locator(`tr[data-step-index="${index}"]`)).toBeVisible();
  await expect(page.getByTestId("flips-before-matrix")).toHaveAttribute("data-fp", "1");
  await expect(page.getByTestId("flips-after-matrix")).toHaveAttribute("data-fp", "0");
  await expect(page.getByTestId("flips-after-matrix")).toHaveAttribute("data-tp", "2");
  const runs = (await (await request.get(`/api/runs?dataset=${DATASET}`)).json()) as Array<{ id: number; config: number }>;
  expect(runs[0].config).toBe(version);

  // one click opens the flipped step on the review page
  await flips.locator('tr[data-step-index="9"]').click();
  await expect(page).toHaveURL(new RegExp(`/traces/${traceId}\\?step=9`));
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", "9");
});

test("failure explorer groups failures and opens an example step; tables sort and export", async ({ page }) => {
  await page.goto("/calibration?dataset=clevr-demo&tab=failures");
  const panel = page.getByTestId("failures-panel");
  await expect(panel).toBeVisible();
  const byRule = page.getByTestId("table-failures-rule");
  const first = byRule.locator("tbody tr").first();
  const rule = await first.getAttribute("data-key");
  await first.click();
  await expect(page).toHaveURL(new RegExp(`rule=${rule!.replace(".", "\\.")}`));
  await expect(page.locator('[data-filter="rule"]')).toContainText(rule!);
  const examples = page.getByTestId("table-failure-examples").locator("tbody tr");
  await expect(examples.first()).toHaveAttribute("data-rule", rule!);

  // drill down further by relation class (the demo questions are tagged at import)
  const byClass = page.getByTestId("table-failures-relation").locator("tbody tr").first();
  const relationClass = await byClass.getAttribute("data-key");
  const failures = Number(await byClass.getAttribute("data-failures"));
  await byClass.click();
  await expect(page.locator('[data-filter="class"]')).toContainText(relationClass!);
  await expect(page.getByTestId("failures-panel")).toHaveAttribute("data-total", String(failures));

  // sorting by failures ascending puts the smallest count first
  const byKind = page.getByTestId("table-failures-kind");
  await byKind.getByRole("button", { name: /Failures/ }).click();
  await expect(byKind.getByRole("columnheader", { name: /Failures/ })).toHaveAttribute("aria-sort", "descending");
  const download = page.waitForEvent("download");
  await byKind.getByRole("button", { name: "CSV" }).click();
  const file = await (await download).path();
  expect(fs.readFileSync(file, "utf8").split("\r\n")[0]).toBe("Kind,Failures,Steps,Human reject,Human accept,Confirmed");

  const traceId = await examples.first().getAttribute("data-trace-id");
  const stepIndex = await examples.first().getAttribute("data-step-index");
  await examples.first().click();
  await expect(page).toHaveURL(new RegExp(`/traces/${traceId}\\?step=${stepIndex}`));
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", stepIndex!);
});

test("trace level: VisProg's imported verdicts against the quality score", async ({ page, request }) => {
  await page.goto("/calibration?dataset=visprog-gqa&tab=traces");
  const panel = page.getByTestId("traces-panel");
  await expect(panel).toHaveAttribute("data-n", "100");
  const report = await (await request.get("/api/calibration?dataset=visprog-gqa&targetPrecision=0.5")).json();
  expect(report.traces).toMatchObject({ n: 100, accepted: 34, rejected: 66 });
  await expect(page.getByTestId("trace-auc")).toHaveText(report.traces.auc.toFixed(3));
  await expect(page.getByTestId("sweep-chart")).toHaveAttribute("data-points", "101");
  await expect(page.getByTestId("reliability-chart")).toBeVisible();
  await page.getByTestId("target-precision").fill("0.5");
  await page.getByTestId("target-precision").press("Enter");
  await expect(page).toHaveURL(/targetPrecision=0\.5/);
  await expect(page.getByTestId("recommended-threshold")).toHaveAttribute("data-threshold", report.traces.recommended ? String(report.traces.recommended.threshold) : "");
});
