import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { uploadFiles } from "./helpers";

// The verifier in the browser, on the seeded demo (verified with config v1 at seed time):
// per-step verdict badges and evidence, the trace's quality and validity, the metrics page.
// Assertions read data attributes and the API, never pixels.

interface TraceDetail {
  id: number;
  steps: Array<{ id: number; index: number; kind: string }>;
  verification: { run: number; quality: number; valid: boolean; failingSteps: number; steps: Record<string, { outcome: string; verdicts: Array<{ rule: string; outcome: string }> }> } | null;
  injected: Array<{ type: string; step: number }>;
}

async function firstTrace(request: APIRequestContext, query: string, test: (t: TraceDetail) => boolean): Promise<TraceDetail> {
  const list = await (await request.get(`/api/traces?${query}&limit=200`)).json();
  for (const item of list.items) {
    const detail = (await (await request.get(`/api/traces/${item.id}`)).json()) as TraceDetail;
    if (test(detail)) return detail;
  }
  throw new Error(`no trace matches (${query})`);
}

test("a faulty trace shows its failing steps, their evidence and the injected fault", async ({ page, request }) => {
  const trace = await firstTrace(request, "dataset=clevr-demo&method=direct", (t) => Boolean(t.verification && !t.verification.valid && t.injected.length));
  await page.goto(`/traces/${trace.id}`);
  const summary = page.getByTestId("verification-summary");
  await expect(summary).toHaveAttribute("data-valid", "false");
  await expect(summary).toHaveAttribute("data-quality", trace.verification!.quality.toFixed(4));
  await expect(summary).toContainText(`${trace.verification!.failingSteps} failing step`);

  const steps = page.locator("li[data-step-index]");
  await expect(steps).toHaveCount(trace.steps.length);
  for (const step of trace.steps) {
    const expected = trace.verification!.steps[step.id]?.outcome ?? "skip";
    await expect(page.locator(`li[data-step-index="${step.index}"]`)).toHaveAttribute("data-outcome", expected);
  }
  const failingIndex = trace.steps.find((s) => trace.verification!.steps[s.id]?.outcome === "fail")!.index;
  const failing = page.locator(`li[data-step-index="${failingIndex}"]`);
  const failedRule = trace.verification!.steps[trace.steps[failingIndex].id].verdicts.find((v) => v.outcome === "fail")!.rule;
  await expect(failing.locator(`[data-rule="${failedRule}"]`)).toHaveAttribute("data-rule-outcome", "fail");
  // failing steps open their evidence; closing and reopening works from the keyboard too
  const evidence = failing.locator(`[data-evidence-rule="${failedRule}"]`);
  await expect(evidence).toBeVisible();
  const toggle = failing.getByRole("button", { name: /evidence/ });
  await toggle.click();
  await expect(evidence).toHaveCount(0);
  await toggle.focus();
  await page.keyboard.press("Enter");
  await expect(evidence).toContainText("fail");

  const fault = trace.injected[0];
  await expect(page.locator(`li[data-step-index="${fault.step}"] [data-injected="${fault.type}"]`)).toBeVisible();

  // f / Shift+F walk the failing steps (wrapping around) without stopping on the others
  const failingIndices = trace.steps.filter((s) => trace.verification!.steps[s.id]?.outcome === "fail").map((s) => s.index);
  const workspace = page.getByTestId("review-workspace");
  let current = Number(await workspace.getAttribute("data-current-step"));
  for (let n = 0; n < failingIndices.length + 1; n++) {
    current = failingIndices.find((i) => i > current) ?? failingIndices[0];
    await page.keyboard.press("f");
    await expect(workspace).toHaveAttribute("data-current-step", String(current));
  }
  current = [...failingIndices].reverse().find((i) => i < current) ?? failingIndices[failingIndices.length - 1];
  await page.keyboard.press("F");
  await expect(workspace).toHaveAttribute("data-current-step", String(current));
});

test("a faithful program trace verifies clean", async ({ page, request }) => {
  const trace = await firstTrace(request, "dataset=clevr-demo&method=program", (t) => Boolean(t.verification?.valid));
  await page.goto(`/traces/${trace.id}`);
  await expect(page.getByTestId("verification-summary")).toHaveAttribute("data-valid", "true");
  await expect(page.locator('li[data-step-index][data-outcome="fail"]')).toHaveCount(0);
  await expect(page.locator('li[data-step-index][data-outcome="pass"]').first()).toBeVisible();
});

test("VisProg traces get structural verdicts; scene rules skip", async ({ page, request }) => {
  const trace = await firstTrace(request, "dataset=visprog-gqa", (t) => t.steps.some((s) => s.kind === "tool_result"));
  await page.goto(`/traces/${trace.id}`);
  const result = page.locator('li[data-kind="tool_result"]').first();
  await expect(result.locator('[data-rule="result.reexec"]')).toHaveAttribute("data-rule-outcome", "skip");
  await expect(result.locator('[data-rule="cross.pairing"]')).toHaveAttribute("data-rule-outcome", "pass");
});

test("the metrics page: Table 1 per method, ablation, histogram, and a new run", async ({ page, request }) => {
  await page.goto("/");
  const row = page.locator('tr[data-dataset="clevr-demo"]');
  await expect(row.locator('[data-column="quality"]')).not.toHaveText("—");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics" }).click();
  await expect(page).toHaveURL(/\/metrics$/);
  await page.locator('li[data-dataset="clevr-demo"]').getByRole("link").click();
  await expect(page).toHaveURL(/\/datasets\/clevr-demo\/metrics$/);

  const api = await (await request.get("/api/datasets/clevr-demo/metrics?ablation=true")).json();
  const table = page.getByTestId("method-table");
  for (const method of ["direct", "final-answer", "step-level", "program", "all"]) await expect(table.locator(`tr[data-method="${method}"]`)).toBeVisible();
  const direct = api.byMethod.find((m: { method: string }) => m.method === "direct");
  await expect(table.locator('tr[data-method="direct"]')).toContainText(`${(direct.validRatio * 100).toFixed(1)}%`);
  await expect(page.getByTestId("ablation-table").locator("tr[data-variant]")).toHaveCount(4);
  await expect(page.getByTestId("quality-histogram")).toHaveAttribute("data-total", String(api.overall.traces));
  await expect(page.getByTestId("quality-histogram").locator(".recharts-bar-rectangle").first()).toBeVisible();

  const before = await page.getByTestId("metrics-run").getAttribute("data-run");
  await page.getByRole("button", { name: "Run verifier" }).click();
  // while it runs a progress bar (with its own status line) shows; then the run's summary
  // as many traces as the dataset holds now (other specs, e.g. generate, may have added some)
  const datasets: Array<{ name: string; traces: number }> = await (await request.get("/api/datasets")).json();
  const count = datasets.find((d) => d.name === "clevr-demo")!.traces;
  await expect(page.getByRole("status").filter({ hasText: new RegExp(`run \\d+: ${count.toLocaleString("en-US")} traces`) })).toBeVisible();
  await expect(page.getByTestId("metrics-run")).not.toHaveAttribute("data-run", before!);
  const runs = await (await request.get("/api/runs?dataset=clevr-demo")).json();
  await expect(page.getByTestId("metrics-run")).toHaveAttribute("data-run", String(runs[0].id));
});

test("the HTTP API: verdicts as JSON lines, runs, configs (a used config is immutable, a new version verifies)", async ({ request }) => {
  const datasets = await (await request.get("/api/datasets")).json();
  const visprog = datasets.find((d: { name: string }) => d.name === "visprog-gqa");
  const response = await request.get("/api/datasets/visprog-gqa/verdicts");
  expect(response.headers()["content-type"]).toContain("application/x-ndjson");
  const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(lines).toHaveLength(visprog.steps);
  expect(lines[0]).toMatchObject({ trace: expect.any(String), step: 0, outcome: expect.stringMatching(/^(pass|fail|skip)$/) });

  const configs = await (await request.get("/api/verifier-configs")).json();
  expect(configs[0]).toMatchObject({ version: 1, locked: true });
  const bad = await request.post("/api/verifier-configs", { data: { parent: 1, threshold: 2 } });
  expect(bad.status()).toBe(400);
  const created = await request.post("/api/verifier-configs", { data: { parent: 1, rules: { "final.correct": { enabled: false } }, notes: "e2e" } });
  expect(created.status()).toBe(201);
  const v2 = await created.json();
  const run = await request.post("/api/runs", { data: { dataset: "visprog-gqa", config: v2.version } });
  expect(run.status()).toBe(201);
  expect(await run.json()).toMatchObject({ config: v2.version, traces: 100 });
  const missing = await request.post("/api/runs", { data: { dataset: "nope" } });
  expect(missing.status()).toBe(404);
  const runs = await (await request.get("/api/runs?dataset=visprog-gqa")).json();
  expect(runs[0]).toMatchObject({ config: v2.version, status: "done", traces: 100, total: null });
  // only a running run can be cancelled
  const finished = await request.delete(`/api/runs/${runs[0].id}`);
  expect(finished.status()).toBe(409);
  expect((await finished.json()).error.message).toContain("not running");
  expect((await request.delete("/api/runs/999999")).status()).toBe(404);
});

test("a trace of a dataset nobody verified offers to verify it from the trace page", async ({ page, request }) => {
  const dataset = "e2e-verify-now";
  const trace = {
    schema: "stepwise.trace/v1", id: "verify-now-1", image: "CLEVR_train_000781.png", question: "How many yellow spheres are there?", answer: "1", method: "direct",
    steps: [
      { kind: "tool_call", id: "c1", tool: "detect", args: { query: "yellow sphere" } },
      { kind: "tool_result", call: "c1", output: [{ id: "obj_9", label: "sphere", box: [113, 96, 48, 48] }] },
      { kind: "reasoning", text: "There is 1 yellow sphere, so the answer is 1." },
      { kind: "answer", text: "1" },
    ],
  };
  await uploadFiles(request, dataset, [
    { name: "CLEVR_train_scenes_subset5.json", mimeType: "application/json", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_scenes_subset5.json")) },
    { name: "CLEVR_train_000781.png", mimeType: "image/png", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_000781.png")) },
  ]);
  await uploadFiles(request, dataset, [{ name: "verify-now.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(`${JSON.stringify(trace)}\n`) }], { verify: false });
  const [item] = (await (await request.get(`/api/traces?dataset=${dataset}`)).json()).items as Array<{ id: number }>;

  await page.goto(`/traces/${item.id}`);
  const summary = page.getByTestId("verification-summary");
  await expect(summary).toHaveAttribute("data-verified", "false");
  await expect(page.locator('li[data-step-index="0"]')).not.toHaveAttribute("data-outcome", /./);
  await page.getByRole("button", { name: "Verify this dataset now" }).click();
  await expect(summary).toHaveAttribute("data-verified", "true");
  await expect(summary).toHaveAttribute("data-valid", "true");
  await expect(page.locator('li[data-step-index="1"]')).toHaveAttribute("data-outcome", "pass");
  const runs = (await (await request.get(`/api/runs?dataset=${dataset}`)).json()) as unknown[];
  expect(runs).toHaveLength(1);
});
