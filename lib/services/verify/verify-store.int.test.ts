import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sql, writeProgram } from "@/lib/db/sql";
import { seedDemo } from "@/lib/services/system/seed";
import { runVerifier } from "@/lib/services/verify/verify";
import { pendingRows, VerifyStore } from "@/lib/services/verify/verify-store";

// The verifier's bulk write (VerifyStore.flush: COPY's text format on PostgreSQL, multi-row INSERTs
// on SQLite) stores every value as it was given: text with COPY's special characters (tab, newline,
// carriage return, backslash, a literal "\N"), non-ASCII, JSON evidence with escapes, NULLs,
// floating-point scores, booleans.

const hostile = ["tab\there", "line\nbreak", "cr\rlf\r\n", "back\\slash \\N \\t", "\\N", "", "ünïcödé 空間 🧭", "quote ' \" `", "\u0001 control"];

let runId = 0;
let stepId = 0;
let traceId = 0;

beforeAll(async () => {
  await seedDemo({ force: true });
  runId = (await runVerifier({ dataset: "clevr-demo", threads: 1 })).run;
  const step = await db().step.findFirstOrThrow({ where: { trace: { dataset: { name: "clevr-demo" } } }, orderBy: { id: "asc" }, select: { id: true, traceId: true } });
  stepId = step.id;
  traceId = step.traceId;
});

describe("VerifyStore.flush", () => {
  it("writes verdict and score rows value for value, whatever characters they hold", async () => {
    const store = new VerifyStore();
    const rows = pendingRows();
    hostile.forEach((text, i) => {
      const evidence = i % 3 === 2 ? null : JSON.stringify({ text, list: [text, i], nested: { "k\tey": text } });
      rows.verdicts.push([runId, stepId, traceId, `test.rule${i}`, i % 2 ? "fail" : "pass", i % 4 === 0 ? null : "error", text, evidence]);
    });
    await writeProgram(function* () {
      yield* store.clearTrace(runId, traceId);
      rows.scores.push([runId, traceId, 0.1 + 0.2, false, JSON.stringify({ note: "a\\b\tc\nd" })]);
      yield* store.flush(rows);
    });
    expect(rows.verdicts).toEqual([]);
    const q = await sql();
    const stored = await q.all<{ rule: string; outcome: string; severity: string | null; message: string | null; evidence: unknown }>(
      `SELECT "rule", "outcome", "severity", "message", "evidence" FROM "Verdict" WHERE "runId" = ? AND "traceId" = ? ORDER BY "id"`,
      [runId, traceId],
    );
    expect(stored.map((r) => r.message)).toEqual(hostile);
    expect(stored.map((r) => r.severity)).toEqual(hostile.map((_, i) => (i % 4 === 0 ? null : "error")));
    expect(stored.map((r) => r.outcome)).toEqual(hostile.map((_, i) => (i % 2 ? "fail" : "pass")));
    const parsed = stored.map((r) => (r.evidence === null ? null : typeof r.evidence === "string" ? JSON.parse(r.evidence) : r.evidence));
    expect(parsed).toEqual(hostile.map((text, i) => (i % 3 === 2 ? null : { text, list: [text, i], nested: { "k\tey": text } })));
    const score = await db().traceScore.findFirstOrThrow({ where: { runId, traceId } });
    expect(score.quality).toBe(0.1 + 0.2);
    expect(score.valid).toBe(false);
    expect(score.parts).toEqual({ note: "a\\b\tc\nd" });
  });
});
