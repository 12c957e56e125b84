import type Database from "better-sqlite3";
import { prepare } from "@/lib/db";

// The verifier's bulk path on SQLite: raw prepared statements on the connection Prisma uses,
// inside the caller's writeTransaction (Prisma's createMany is ~20× slower here). The only
// dialect-specific code of verification; a PostgreSQL twin would batch multi-row INSERTs / COPY.

export interface TraceRow {
  id: number;
  externalId: string;
  method: string;
  answer: string | null;
  sceneId: number | null;
  questionId: number | null;
  program: string | null;
}

export interface StepRow {
  id: number;
  traceId: number;
  index: number;
  kind: string;
  text: string | null;
  tool: string | null;
  callId: string | null;
  args: string | null;
  result: string | null;
}

export interface VerdictRow {
  runId: number;
  stepId: number;
  traceId: number;
  rule: string;
  outcome: string;
  severity: string | null;
  message: string | null;
  evidence: string | null;
}

export class VerifyStore {
  private readonly s: Record<string, Database.Statement>;

  constructor(handle: Database.Database) {
    const p = (sql: string) => prepare(handle, sql);
    this.s = {
      insertRun: p(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status") VALUES (?, ?, 'running')`),
      finishRun: p(`UPDATE "VerifierRun" SET "status" = 'done', "traces" = ?, "steps" = ?, "seconds" = ?, "metrics" = ?, "finishedAt" = ? WHERE "id" = ?`),
      traces: p(`SELECT t."id", t."externalId", t."method", t."answer", t."sceneId", t."questionId", q."program" FROM "Trace" t LEFT JOIN "Question" q ON q."id" = t."questionId" WHERE t."datasetId" = ? AND t."id" > ? ORDER BY t."id" LIMIT ?`),
      steps: p(`SELECT "id", "traceId", "index", "kind", "text", "tool", "callId", "args", "result" FROM "Step" WHERE "traceId" >= ? AND "traceId" <= ? ORDER BY "traceId", "index"`),
      insertVerdict: p(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome", "severity", "message", "evidence") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insertScore: p(`INSERT INTO "TraceScore" ("runId", "traceId", "quality", "valid", "parts") VALUES (?, ?, ?, ?, ?)`),
      updateTrace: p(`UPDATE "Trace" SET "quality" = ?, "valid" = ?, "runId" = ?, "failingSteps" = ? WHERE "id" = ?`),
    };
  }

  insertRun(configId: number, datasetId: number): number {
    return Number(this.s.insertRun.run(configId, datasetId).lastInsertRowid);
  }

  finishRun(runId: number, traces: number, steps: number, seconds: number, metrics: unknown): void {
    this.s.finishRun.run(traces, steps, seconds, JSON.stringify(metrics), new Date().toISOString(), runId);
  }

  /** Keyset page of a dataset's traces with their question's program. */
  traces(datasetId: number, afterId: number, limit: number): TraceRow[] {
    return this.s.traces.all(datasetId, afterId, limit) as TraceRow[];
  }

  steps(fromTraceId: number, toTraceId: number): StepRow[] {
    return this.s.steps.all(fromTraceId, toTraceId) as StepRow[];
  }

  insertVerdict(v: VerdictRow): void {
    this.s.insertVerdict.run(v.runId, v.stepId, v.traceId, v.rule, v.outcome, v.severity, v.message, v.evidence);
  }

  insertScore(runId: number, traceId: number, quality: number, valid: boolean, parts: unknown): void {
    this.s.insertScore.run(runId, traceId, quality, valid ? 1 : 0, JSON.stringify(parts));
  }

  updateTrace(traceId: number, quality: number, valid: boolean, runId: number, failingSteps: number): void {
    this.s.updateTrace.run(quality, valid ? 1 : 0, runId, failingSteps, traceId);
  }
}
