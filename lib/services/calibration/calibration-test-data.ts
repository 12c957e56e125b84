import { db } from "@/lib/db";
import { insert, many, run as exec, writeProgram, type Param } from "@/lib/db/sql";

// Test data for calibration's SQL tests: a dataset with traces and steps, and verifier runs with
// exactly the verdicts and scores a test wants (the real verifier's verdicts are exercised by the
// import → verify → calibrate tests). Planted through the SQL seam (lib/db/sql.ts), so the same
// tests run on SQLite and on PostgreSQL.

export interface TestStep {
  kind: "plan" | "tool_call" | "tool_result" | "reasoning" | "answer";
  tool?: string;
  callId?: string;
}

export interface TestTrace {
  externalId: string;
  steps: TestStep[];
  /** Relation classes of the trace's question (one question per trace). */
  classes?: string[];
}

export interface TestDataset {
  id: number;
  traces: Array<{ id: number; externalId: string; steps: Array<{ id: number; index: number; version: number }> }>;
}

export async function createTestDataset(name: string, traces: TestTrace[]): Promise<TestDataset> {
  const dataset = await db().dataset.create({ data: { name }, select: { id: true } });
  const out: TestDataset = { id: dataset.id, traces: [] };
  for (const t of traces) {
    const question = await db().question.create({ data: { datasetId: dataset.id, text: `question of ${t.externalId}`, source: "test" } });
    for (const [i, cls] of (t.classes ?? []).entries()) {
      await db().questionRelation.create({ data: { questionId: question.id, relation: `${cls}-${i}`, relationClass: cls } });
    }
    const trace = await db().trace.create({
      data: {
        datasetId: dataset.id, externalId: t.externalId, questionId: question.id, question: question.text, format: "canonical",
        contentHash: t.externalId, raw: "{}", stepCount: t.steps.length,
        steps: { create: t.steps.map((s, index) => ({ index, kind: s.kind, tool: s.tool ?? null, callId: s.callId ?? null, text: s.kind === "tool_call" || s.kind === "tool_result" ? null : "text" })) },
      },
      select: { id: true, externalId: true, steps: { select: { id: true, index: true, version: true }, orderBy: { index: "asc" } } },
    });
    out.traces.push(trace);
  }
  return out;
}

export interface TestVerdict {
  stepId: number;
  rule: string;
  outcome: "pass" | "fail" | "skip";
  message?: string;
}

export interface TestRun {
  datasetId: number;
  /** Rule settings of the run's config (a new config version is created). */
  rules: Record<string, { enabled: boolean; weight: number }>;
  threshold?: number;
  verdicts: TestVerdict[];
  scores?: Array<{ traceId: number; quality: number; valid: boolean; parts?: unknown }>;
}

/** A finished verifier run with exactly these verdicts and trace scores; returns its id and config version. */
export async function insertTestRun(run: TestRun): Promise<{ runId: number; config: number }> {
  const stepTrace = new Map((await db().step.findMany({ where: { id: { in: run.verdicts.map((v) => v.stepId) } }, select: { id: true, traceId: true } })).map((s) => [s.id, s.traceId]));
  const versionRow = await db().verifierConfig.aggregate({ _max: { version: true } });
  const version = (versionRow._max.version ?? 0) + 1;
  return writeProgram(function* () {
    const configId = yield* insert(`INSERT INTO "VerifierConfig" ("version", "name", "rules", "tolerances", "threshold") VALUES (?, ?, ?, '{}', ?)`, version, `test v${version}`, JSON.stringify(run.rules), run.threshold ?? 0.8);
    const runId = yield* insert(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status", "finishedAt") VALUES (?, ?, 'done', CURRENT_TIMESTAMP)`, configId, run.datasetId);
    yield* many("Verdict", ["runId", "stepId", "traceId", "rule", "outcome", "message"], run.verdicts.map((v): Param[] => [runId, v.stepId, stepTrace.get(v.stepId)!, v.rule, v.outcome, v.message ?? `${v.rule} ${v.outcome}`]));
    yield* many("TraceScore", ["runId", "traceId", "quality", "valid", "parts"], (run.scores ?? []).map((s): Param[] => [runId, s.traceId, s.quality, s.valid, JSON.stringify(s.parts ?? null)]));
    yield* exec(`UPDATE "VerifierRun" SET "steps" = ?, "traces" = ? WHERE "id" = ?`, new Set(run.verdicts.map((v) => v.stepId)).size, (run.scores ?? []).length, runId);
    return { runId, config: version };
  });
}
