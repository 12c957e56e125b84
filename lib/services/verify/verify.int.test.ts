import { describe, expect, it, beforeAll } from "vitest";
import { db } from "@/lib/db";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { VerifyStore } from "@/lib/services/verify/verify-store";
import { readProgram, sql, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { getDatasetMetrics, decisionConfusion } from "@/lib/services/verify/metrics";
import { seedDemo } from "@/lib/services/system/seed";
import { getTrace } from "@/lib/services/traces/traces";
import { getRun, listRuns, streamStepVerdicts, type StepVerdictLine } from "@/lib/services/verify/verdicts";
import { createVerifierConfig, getVerifierConfig, listVerifierConfigs, setDefaultVerifierConfig, updateVerifierConfig } from "@/lib/services/verify/verifier-configs";
import { configCreateRequest } from "@/lib/schemas/verifier";
import { cancelRun, runVerifier } from "@/lib/services/verify/verify";
import { DEFAULT_SETTINGS, MAX_WEIGHT } from "@/lib/verifier/config";

// Verification on a real SQLite file: the demo seed (imports, then runs v1 on both datasets),
// verdicts read back through the services, configs and their immutability.

async function lines(dataset: string, run?: number): Promise<StepVerdictLine[]> {
  const out: StepVerdictLine[] = [];
  await streamStepVerdicts({ dataset, run }, (line) => out.push(line));
  return out;
}

describe("verifier runs on the demo data", () => {
  beforeAll(async () => {
    // before anything: the migration's v1 is there on a fresh database
    const [v1] = await listVerifierConfigs();
    expect(v1).toMatchObject({ version: 1, parentVersion: null, threshold: DEFAULT_SETTINGS.threshold, locked: false });
    expect({ rules: v1.rules, tolerances: v1.tolerances, scoring: v1.scoring }).toEqual({ rules: DEFAULT_SETTINGS.rules, tolerances: DEFAULT_SETTINGS.tolerances, scoring: DEFAULT_SETTINGS.scoring });
    const summary = await seedDemo({ force: true });
    expect(summary.runs.map((r) => [r.dataset, r.config])).toEqual([["clevr-demo", 1], ["visprog-gqa", 1], ["photos-demo", 1]]);
  });

  it("stores a score per trace and denormalises the run onto every trace", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const run = await db().verifierRun.findFirstOrThrow({ where: { datasetId: dataset.id }, orderBy: { id: "desc" } });
    expect(run).toMatchObject({ status: "done", traces: 154 });
    expect(await db().traceScore.count({ where: { runId: run.id } })).toBe(154);
    const traces = await db().trace.findMany({ where: { datasetId: dataset.id }, select: { runId: true, quality: true, valid: true, failingSteps: true, scores: { where: { runId: run.id } } } });
    for (const t of traces) {
      expect(t.runId).toBe(run.id);
      expect(t.quality).toBe(t.scores[0].quality);
      expect(t.valid).toBe(t.scores[0].valid);
      if (t.valid) expect(t.failingSteps).toBe(0);
      if ((t.failingSteps ?? 0) > 0) expect(t.valid).toBe(false);
    }
    const failing = await db().verdict.groupBy({ by: ["traceId"], where: { runId: run.id, outcome: "fail" }, _count: { stepId: true } });
    expect(failing.length).toBe(traces.filter((t) => (t.failingSteps ?? 0) > 0).length);
  });

  it("stored verdicts agree with the scripted teacher's truth labels", async () => {
    const verdicts = await lines("clevr-demo");
    const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" }, teacherModel: "scripted/teacher-v1" }, select: { externalId: true, raw: true } });
    expect(traces).toHaveLength(120);
    const wrong = new Map(traces.map((t) => [t.externalId, new Set((JSON.parse(t.raw).meta.wrongSteps as number[]))]));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const line of verdicts) {
      const truth = wrong.get(line.trace);
      if (!truth) continue;
      const flagged = line.outcome === "fail";
      if (flagged && truth.has(line.step)) tp++;
      else if (flagged) fp++;
      else if (truth.has(line.step)) fn++;
    }
    expect(tp).toBeGreaterThan(20);
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
  });

  it("the 34 program traces (two transform questions are left out of the demo): one failing step, the malformed filter_color \"rubber\" call", async () => {
    const verdicts = (await lines("clevr-demo")).filter((l) => !l.trace.includes("-direct-") && !l.trace.includes("-final-answer-") && !l.trace.includes("-step-level-"));
    const failing = verdicts.filter((l) => l.outcome === "fail");
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ kind: "tool_call", rules: expect.arrayContaining([expect.objectContaining({ id: "args.schema", outcome: "fail", message: expect.stringContaining('"rubber" is not a color') })]) });
  });

  it("the trace DTO carries verdicts per step, the score and the injected faults", async () => {
    const faulty = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, method: "direct", failingSteps: { gt: 0 } }, orderBy: { id: "asc" } });
    const detail = await getTrace(faulty.id);
    expect(detail.verification).toMatchObject({ config: 1, valid: false, failingSteps: faulty.failingSteps });
    expect(detail.injected.length).toBeGreaterThan(0);
    const failingSteps = detail.steps.filter((s) => detail.verification!.steps[s.id]?.outcome === "fail").map((s) => s.index);
    const wrong = JSON.parse(faulty.raw).meta.wrongSteps as number[];
    expect(failingSteps).toEqual(wrong);
    const failed = detail.verification!.steps[detail.steps[failingSteps[0]].id].verdicts.find((v) => v.outcome === "fail")!;
    expect(failed.message).toBeTruthy();
  });

  it("VisProg traces (no scene) run structural rules and skip scene rules", async () => {
    const verdicts = await lines("visprog-gqa");
    const reexec = verdicts.flatMap((l) => l.rules.filter((r) => r.id === "result.reexec" || r.id === "args.refs" || r.id === "reasoning.claims"));
    expect(reexec.length).toBeGreaterThan(100);
    expect(new Set(reexec.map((r) => r.outcome))).toEqual(new Set(["skip"]));
    const confusion = await decisionConfusion({ dataset: "visprog-gqa" });
    expect(confusion!.validAccepted + confusion!.validRejected + confusion!.invalidAccepted + confusion!.invalidRejected).toBe(100);
  });

  it("metrics per method and the ablation table", async () => {
    const metrics = await getDatasetMetrics({ dataset: "clevr-demo", ablation: true });
    expect(metrics.methods).toEqual(["direct", "final-answer", "program", "step-level"]);
    const by = Object.fromEntries(metrics.byMethod.map((m) => [m.method, m]));
    expect(by["step-level"].validRatio).toBeGreaterThan(by.direct.validRatio);
    expect(by.direct.traces).toBe(40);
    expect(metrics.ablation!.map((a) => a.variant)).toEqual(["full", "no step-level checks", "no cross-step checks", "no quality filtering"]);
    expect(metrics.ablation![0].validRatio).toBe(1);
    expect(metrics.ablation![3].kept).toBe(154);
    expect(metrics.ablation![3].deltaValid).toBeLessThan(0);
    expect(metrics.histogram.reduce((s, b) => s + Object.values(b.counts).reduce((x, y) => x + y, 0), 0)).toBe(154);
  });

  it("configs: a used version is immutable (service and trigger); a new version changes the verdicts", async () => {
    await expect(updateVerifierConfig(1, { threshold: 0.5 })).rejects.toMatchObject({ code: "conflict" });
    await expect(db().verifierConfig.update({ where: { version: 1 }, data: { threshold: 0.5 } })).rejects.toThrow(/immutable/);
    const v2 = await createVerifierConfig({ parent: 1, rules: { "reasoning.claims": { enabled: false } }, threshold: 0.9, notes: "claims off" });
    expect(v2).toMatchObject({ version: 2, parentVersion: 1, threshold: 0.9, locked: false });
    expect(v2.rules["reasoning.claims"]).toEqual({ enabled: false, weight: 2 });
    const edited = await updateVerifierConfig(2, { notes: "claims off (edited before use)" });
    expect(edited.notes).toBe("claims off (edited before use)");
    const run = await runVerifier({ dataset: "clevr-demo", config: 2 });
    expect(run.config).toBe(2);
    const verdicts = await lines("clevr-demo", run.run);
    expect(verdicts.some((l) => l.rules.some((r) => r.id === "reasoning.claims"))).toBe(false);
    expect((await getVerifierConfig(2)).locked).toBe(true);
    const trace = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } } });
    expect(trace.runId).toBe(run.run);
    // creating v2 did not make it the default: runs without a config still use v1 …
    expect(v2.isDefault).toBe(false);
    expect((await runVerifier({ dataset: "clevr-demo" })).config).toBe(1);
    // … until someone chooses it, explicitly
    expect((await setDefaultVerifierConfig(2)).isDefault).toBe(true);
    expect((await listVerifierConfigs()).filter((c) => c.isDefault).map((c) => c.version)).toEqual([2]);
    expect((await runVerifier({ dataset: "clevr-demo" })).config).toBe(2);
    const v3 = await createVerifierConfig({ parent: 2, threshold: 0.7, makeDefault: true });
    expect((await getVerifierConfig()).version).toBe(v3.version);
    await expect(setDefaultVerifierConfig(99)).rejects.toMatchObject({ code: "not_found" });
    await setDefaultVerifierConfig(2);
  });

  it("configs: weights are bounded, so a score is never NaN (1e308 used to pass and break the next run)", async () => {
    expect(configCreateRequest.safeParse({ rules: { "args.schema": { weight: 1e308 } } }).success).toBe(false);
    expect(configCreateRequest.safeParse({ scoring: { steps: 1e308 } }).success).toBe(false);
    expect(configCreateRequest.safeParse({ tolerances: { number: 1e300 } }).success).toBe(false);
    // the largest weights allowed still give finite scores in [0, 1] for every trace
    const heavy = await createVerifierConfig({
      parent: 1,
      rules: Object.fromEntries(Object.keys(DEFAULT_SETTINGS.rules).map((id) => [id, { weight: MAX_WEIGHT }])),
      scoring: { steps: MAX_WEIGHT, completeness: MAX_WEIGHT, final: 0 },
    });
    const run = await runVerifier({ dataset: "clevr-demo", config: heavy.version });
    const scores = await db().traceScore.findMany({ where: { runId: run.run }, select: { quality: true } });
    expect(scores).toHaveLength(154);
    for (const { quality } of scores) expect(Number.isFinite(quality) && quality >= 0 && quality <= 1).toBe(true);
  });

  it("the bulk scene loader reads the same scenes as loadToolScenes", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const bulk = await readProgram(new VerifyStore().scenes(dataset.id));
    expect(bulk.size).toBe(5);
    expect(bulk).toEqual(await loadToolScenes([...bulk.keys()]));
  });

  it("names what is missing", async () => {
    await expect(runVerifier({ dataset: "nope" })).rejects.toMatchObject({ code: "not_found", message: 'dataset "nope" not found' });
    await expect(runVerifier({ dataset: "clevr-demo", config: 99 })).rejects.toBeInstanceOf(AppError);
    await expect(lines("clevr-demo", 9999)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("a run goes batch by batch", () => {
  const traceColumns = () =>
    db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "asc" }, select: { id: true, runId: true, quality: true, valid: true, failingSteps: true, failingRules: true, disagreements: true } });

  it("leaves the event loop free between batches and records its progress", async () => {
    const q = await sql();
    const progress: Array<{ done: number; row: unknown }> = [];
    let latest = 0;
    let other: Promise<void> | null = null;
    let otherAnsweredAt = -1;
    const summary = await runVerifier({
      dataset: "clevr-demo",
      batchSize: 10,
      onProgress: async (done, total) => {
        latest = done;
        expect(total).toBe(154);
        progress.push({ done, row: await q.get(`SELECT "status", "traces" FROM "VerifierRun" ORDER BY "id" DESC LIMIT 1`) });
        // another request arriving mid-run is answered before the run ends
        other ??= db().dataset.count().then(() => void (otherAnsweredAt = latest));
      },
    });
    await other;
    expect(summary.traces).toBe(154);
    expect(progress.map((p) => p.done)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 154]);
    expect(progress[0].row).toEqual({ status: "running", traces: 10 });
    expect(otherAnsweredAt).toBeGreaterThanOrEqual(10);
    expect(otherAnsweredAt).toBeLessThan(154);
    expect(await db().verifierRun.findUniqueOrThrow({ where: { id: summary.run } })).toMatchObject({ status: "done", traces: 154, steps: summary.steps });
    expect((await traceColumns()).every((t) => t.runId === summary.run)).toBe(true);
  });

  it("a running run shows how far it has got in the runs list; only done runs are read", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const latestDone = await db().verifierRun.findFirstOrThrow({ where: { datasetId: dataset.id, status: "done" }, orderBy: { id: "desc" } });
    const running = await db().verifierRun.create({ data: { configId: latestDone.configId, datasetId: dataset.id, traces: 40, steps: 500 } });
    try {
      const [first, second] = await listRuns({ dataset: "clevr-demo" });
      expect(first).toMatchObject({ id: running.id, status: "running", traces: 40, total: 154 });
      expect(second).toMatchObject({ id: latestDone.id, status: "done", total: null });
      expect(await getRun(running.id)).toMatchObject({ status: "running", traces: 40, total: 154 });
      expect(await getRun(latestDone.id)).toMatchObject({ status: "done", total: null });
      // asked to stop but not stopped yet: still in progress
      await db().verifierRun.update({ where: { id: running.id }, data: { status: "cancelling" } });
      expect((await listRuns({ dataset: "clevr-demo" }))[0]).toMatchObject({ id: running.id, status: "cancelling", traces: 40, total: 154 });
      expect((await getDatasetMetrics({ dataset: "clevr-demo" })).run?.id).toBe(latestDone.id);
    } finally {
      await db().verifierRun.delete({ where: { id: running.id } });
    }
  });

  it("a run left 'running' by a process that died is removed when the next run starts", async () => {
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const done = await db().verifierRun.findFirstOrThrow({ where: { datasetId: dataset.id, status: "done" }, orderBy: { id: "desc" } });
    const step = await db().step.findFirstOrThrow({ where: { trace: { datasetId: dataset.id } } });
    const q = await sql();
    const orphan = async (startedAt: string, seconds: number) => {
      const id = await q.insert(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status", "traces", "steps", "seconds", "startedAt") VALUES (?, ?, 'running', 200, 2000, ?, ?)`, [done.configId, dataset.id, seconds, startedAt]);
      await q.run(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome", "message") VALUES (?, ?, ?, 'args.schema', 'pass', 'ok')`, [id, step.id, step.traceId]);
      return id;
    };
    const dead = await orphan("2026-01-01 10:00:00", 30); // last progress months ago
    const live = await orphan(new Date().toISOString().replace("T", " ").slice(0, 19), 2); // another process's run, reporting now
    try {
      await runVerifier({ dataset: "clevr-demo" });
      expect(await db().verifierRun.findUnique({ where: { id: dead } })).toBeNull();
      expect(await db().verdict.count({ where: { runId: dead } })).toBe(0);
      expect(await db().verifierRun.findUniqueOrThrow({ where: { id: live } })).toMatchObject({ status: "running" });
    } finally {
      await writeProgram(() => new VerifyStore().dropRun(live));
    }
  });

  it("a cancelled run stops before its next batch and leaves nothing behind", async () => {
    const before = await traceColumns();
    const counts = async () => [await db().verifierRun.count(), await db().verdict.count(), await db().traceScore.count()];
    const countsBefore = await counts();
    const q = await sql();
    let cancelled: unknown = null;
    let last = 0;
    const run = runVerifier({
      dataset: "clevr-demo",
      batchSize: 10,
      // the request has landed before the run looks for its next batch (awaited: on PostgreSQL an
      // unawaited request could still be in flight when the next batch starts)
      onProgress: async (done) => {
        last = done;
        if (done === 30) {
          const id = (await q.get<{ id: number }>(`SELECT MAX("id") AS "id" FROM "VerifierRun"`))!.id;
          cancelled = await cancelRun(id);
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: "cancelled", message: expect.stringMatching(/^verifier run \d+ was cancelled; nothing of it was kept$/) });
    expect(cancelled).toMatchObject({ status: "cancelling" });
    expect(last).toBe(30); // stopped before the next batch
    expect(await counts()).toEqual(countsBefore);
    expect(await traceColumns()).toEqual(before);
  });

  it("only a running run can be cancelled", async () => {
    const done = await db().verifierRun.findFirstOrThrow({ where: { status: "done" }, orderBy: { id: "desc" } });
    await expect(cancelRun(done.id)).rejects.toMatchObject({ code: "conflict", message: `verifier run ${done.id} is done, not running: only a running run can be cancelled` });
    await expect(cancelRun(999_999)).rejects.toMatchObject({ code: "not_found", message: "verifier run 999999 not found" });
  });

  it("a run that fails leaves nothing behind", async () => {
    const before = await traceColumns();
    const counts = async () => [await db().verifierRun.count(), await db().verdict.count(), await db().traceScore.count()];
    const countsBefore = await counts();
    await expect(
      runVerifier({
        dataset: "clevr-demo",
        batchSize: 20,
        onProgress: (done) => {
          if (done >= 60) throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    expect(await counts()).toEqual(countsBefore);
    expect(await traceColumns()).toEqual(before);
  });

  it("a step edited while the run goes on is verified as it now reads", async () => {
    const q = await sql();
    const ids = (await traceColumns()).map((t) => t.id);
    const trace = await db().trace.findFirstOrThrow({
      where: { dataset: { name: "clevr-demo" }, sceneId: { not: null }, steps: { some: { kind: "reasoning" } } },
      orderBy: { id: "asc" },
      select: { id: true, steps: { where: { kind: "reasoning" }, orderBy: { index: "asc" }, take: 1, select: { id: true, text: true } } },
    });
    expect(ids.indexOf(trace.id)).toBeLessThan(20); // in the first batch: verified before the edit
    const step = trace.steps[0];
    const revise = async (text: string) => {
      await q.run(`UPDATE "Step" SET "text" = ? WHERE "id" = ?`, [text, step.id]);
      await q.run(`INSERT INTO "StepRevision" ("stepId", "revision", "text", "reason") VALUES (?, (SELECT COALESCE(MAX("revision"), 0) + 1 FROM "StepRevision" WHERE "stepId" = ?), ?, 'edit')`, [step.id, step.id, text]);
    };
    try {
      const summary = await runVerifier({ dataset: "clevr-demo", config: 1, batchSize: 20, onProgress: (done) => done === 20 && revise("There are 99 things.") });
      const claims = await db().verdict.findMany({ where: { runId: summary.run, stepId: step.id, rule: "reasoning.claims" } });
      expect(claims).toHaveLength(1);
      expect(claims[0]).toMatchObject({ outcome: "fail", message: 'false: "There are 99 things"' });
      expect((await db().trace.findUniqueOrThrow({ where: { id: trace.id } })).failingRules).toContain("reasoning.claims");
      expect(await db().traceScore.count({ where: { runId: summary.run } })).toBe(154);
    } finally {
      await revise(step.text!);
    }
  });
});
