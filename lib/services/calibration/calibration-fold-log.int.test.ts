import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { all, run as exec, writeProgram } from "@/lib/db/sql";
import { calibrationQuery, failuresQuery, fitQuery, type CalibrationQueryInput } from "@/lib/schemas/calibration";
import { getCalibration, getFailures, getFitProposal } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { recordStepLabel, recordTraceDecision } from "@/lib/services/review/reviews";

// The stored label folds brought forward from the label change log (docs/calibration.md "Labels
// folded per run and filter"): random sequences of label writes, undo, bulk actions, trace
// decisions, reviewer changes, gold and imported labels, deletes and one statement past the log's
// limit; after each round the report under every label filter, the fit (steps and traces) and the
// failure explorer read from the brought-forward rows must equal those folded from scratch, and the
// stored rows themselves must be the same bytes. Runs on both dialects (the log is kept by triggers).

const RULES = { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } };
const NAME = "fold-log";
const USERS = ["ann", "ben", "cid"];
const LIMIT = 5000;

let data: TestDataset;
let runId: number;
let steps: Array<{ id: number; traceId: number }>;

/** A small seeded generator (mulberry32): the same sequence on every run and both dialects. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}

const userId = async (name: string) => (await db().user.upsert({ where: { name }, create: { name }, update: {}, select: { id: true } })).id;

async function label(stepId: number, value: "accept" | "reject" | "neutral", user: string) {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  await recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: false, user });
}

async function decide(traceId: number, decision: "accept" | "reject", user: string) {
  const { version } = await db().trace.findUniqueOrThrow({ where: { id: traceId }, select: { version: true } });
  await recordTraceDecision(traceId, { decision, expectedVersion: version, user });
}

const raw = (text: string, ...params: Array<string | number | boolean | null>) => writeProgram(() => exec(text, ...params));
const reviewIds = async () => (await writeProgram(() => all<{ id: number }>(`SELECT "id" AS id FROM "Review" r WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) ORDER BY "id"`, data.id))).map((r) => r.id);

const FILTERS: Array<Partial<CalibrationQueryInput>> = [{}, { source: "gold" }, { source: "human" }, { source: "external" }, { reviewer: "ann" }, { reviewer: "ben", source: "human" }];
const report = (input: Partial<CalibrationQueryInput>) => getCalibration(calibrationQuery.parse({ dataset: NAME, run: runId, ...input }));

/** Everything that reads the stored rows, in one fixed order (the fit stores the trace parts). */
async function everything() {
  const reports = [];
  for (const filter of FILTERS) reports.push(await report(filter));
  const fitSteps = await getFitProposal(fitQuery.parse({ dataset: NAME, run: runId }));
  const fitTraces = await getFitProposal(fitQuery.parse({ dataset: NAME, run: runId, target: "traces" }));
  const failures = await getFailures(failuresQuery.parse({ dataset: NAME, run: runId }));
  const drill = await getFailures(failuresQuery.parse({ dataset: NAME, run: runId, rule: "args.schema" }));
  return { reports, fitSteps, fitTraces, failures, drill };
}

const storedRows = async () =>
  (await db().calibrationGroups.findMany({ where: { runId }, orderBy: { filter: "asc" } })).map(({ builtAt: _builtAt, ...row }) => row);

const clock = () => db().labelClock.findUniqueOrThrow({ where: { datasetId: data.id } });
const logRows = () => db().labelChange.count({ where: { datasetId: data.id } });

/** One random change to the dataset's labels, as the app or a raw statement makes it. */
async function change(rng: ReturnType<typeof random>): Promise<string> {
  const step = rng.pick(steps);
  const user = rng.pick(USERS);
  const ids = await reviewIds();
  const someId = ids.length ? rng.pick(ids) : null;
  switch (rng.int(11)) {
    case 0:
    case 1:
      await label(step.id, rng.pick(["accept", "reject", "neutral"] as const), user);
      return "label";
    case 2:
      await decide(step.traceId, rng.pick(["accept", "reject"] as const), user);
      return "decision";
    case 3: // undo: the step's current labels retired (bulk undo, a reviewer's label withdrawn)
      await raw(`UPDATE "Review" SET "current" = FALSE WHERE "stepId" = ? AND "current" = TRUE`, step.id);
      return "undo";
    case 4: // bulk action over a trace: every current step label set to one value
      await raw(`UPDATE "Review" SET "label" = ? WHERE "traceId" = ? AND "stepId" IS NOT NULL AND "current" = TRUE`, rng.pick(["accept", "reject"]), step.traceId);
      return "bulk";
    case 5: // an adjudicator's gold label (overrules the reviewers' under all / gold)
      await raw(`UPDATE "Review" SET "current" = FALSE WHERE "stepId" = ? AND "source" = 'gold'`, step.id);
      await raw(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "current") VALUES (?, ?, ?, ?, 'gold', TRUE)`, step.traceId, step.id, await userId("judge"), rng.pick(["accept", "reject"]));
      return "gold";
    case 6: // an imported label
      await raw(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "current") VALUES (?, ?, ?, ?, 'external:prm800k', TRUE)`, step.traceId, step.id, await userId("step-labels:x"), rng.pick(["accept", "reject", "neutral"]));
      return "external";
    case 7: // a label moved to another reviewer
      if (someId !== null) await raw(`UPDATE "Review" SET "userId" = ? WHERE "id" = ?`, await userId(user), someId);
      return "reviewer";
    case 8: // deleted (an import's rollback)
      if (someId !== null) await raw(`DELETE FROM "Review" WHERE "id" = ?`, someId);
      return "delete";
    case 9: // a label made after an error, or no longer
      if (someId !== null) await raw(`UPDATE "Review" SET "afterError" = NOT "afterError", "current" = TRUE WHERE "id" = ?`, someId);
      return "afterError";
    default: // several labels of several steps in one statement, back to current
      await raw(`UPDATE "Review" SET "current" = TRUE WHERE "traceId" = ? AND "source" = 'human'`, step.traceId);
      return "recurrent";
  }
}

const shape = [{ kind: "tool_call" as const, tool: "detect", callId: "c0" }, { kind: "tool_result" as const, callId: "c0" }, { kind: "reasoning" as const }, { kind: "answer" as const }];

beforeAll(async () => {
  data = await createTestDataset(NAME, Array.from({ length: 6 }, (_, i) => ({ externalId: `f${i}`, steps: shape, classes: i % 2 ? ["metric"] : [] })));
  steps = data.traces.flatMap((t) => t.steps.map((s) => ({ id: s.id, traceId: t.id })));
  const verdicts = data.traces.flatMap((t, i) => [
    { stepId: t.steps[0].id, rule: "args.schema", outcome: i % 3 === 0 ? ("fail" as const) : ("pass" as const) },
    { stepId: t.steps[1].id, rule: "result.reexec", outcome: i % 2 === 0 ? ("pass" as const) : ("fail" as const) },
    { stepId: t.steps[3].id, rule: "final.correct", outcome: i < 3 ? ("pass" as const) : ("fail" as const) },
  ]);
  const scores = data.traces.map((t, i) => ({
    traceId: t.id, quality: [0.2, 0.5, 0.9][i % 3], valid: i % 2 === 0,
    parts: { completeness: 1, final: i % 2, rules: { "args.schema": [i % 3 ? 1 : 0, i % 3 ? 0 : 1, 0], "result.reexec": [1, 0, 0], "final.correct": [i < 3 ? 1 : 0, i < 3 ? 0 : 1, 0] } },
  }));
  runId = (await insertTestRun({ datasetId: data.id, rules: RULES, verdicts, scores })).runId;
  for (const [i, s] of steps.entries()) if (i % 3 === 0) await label(s.id, i % 2 ? "accept" : "reject", USERS[(i / 3) % USERS.length]);
  await decide(data.traces[0].id, "reject", "ann");
});

describe("label folds brought forward from the change log", () => {
  it("bring a fold forward instead of folding again: a planted figure survives, and the log is trimmed", async () => {
    await everything();
    expect((await clock()).logFrom).not.toBeNull();
    expect(await logRows()).toBe(0);
    // a figure only a full fold recomputes: planted in every stored row
    await raw(`UPDATE "CalibrationGroups" SET "tagged" = "tagged" + 1000 WHERE "runId" = ?`, runId);
    await label(steps[1].id, "reject", "ann");
    expect(await logRows()).toBe(1);
    const forward = await report({});
    expect(forward.taggedTraces).toBeGreaterThanOrEqual(1000);
    // the other filters' rows are still behind: the log holds the change for them
    expect(await logRows()).toBe(1);
    for (const filter of FILTERS) await report(filter);
    expect(await logRows()).toBe(0);
    await raw(`UPDATE "CalibrationGroups" SET "tagged" = "tagged" - 1000 WHERE "runId" = ? AND "tagged" >= 1000`, runId);
  });

  it("equal a fold from scratch, byte for byte, after random label changes (both dialects)", async () => {
    const rng = random(17);
    let forwards = 0;
    let rounds = 0;
    const kinds = new Set<string>();
    for (let round = 0; round < 30; round++) {
      await everything();
      await raw(`UPDATE "CalibrationGroups" SET "tagged" = "tagged" + 1000 WHERE "runId" = ?`, runId);
      // one to three changes, a report of a random filter between some of them (folds brought
      // forward from folds brought forward, others several changes behind)
      const changes = 1 + rng.int(3);
      for (let i = 0; i < changes; i++) {
        kinds.add(await change(rng));
        if (rng.next() < 0.4) await report(rng.pick(FILTERS));
      }
      if (round === 20) {
        // one statement past the log's limit (an import's labels, then its rollback): the log
        // stops, the next report folds in full, the log starts again with the fold
        await raw(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source")
          WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${LIMIT + 1}) SELECT ?, ?, ?, 'neutral', 'external:bulk' FROM n`, steps[0].traceId, steps[0].id, await userId("ann"));
        expect((await clock()).logFrom).toBeNull();
        expect(await logRows()).toBe(0);
        await raw(`DELETE FROM "Review" WHERE "source" = 'external:bulk'`);
        kinds.add("overflow");
      }
      const forward = await everything();
      forwards += (await storedRows()).filter((row) => row.tagged >= 1000).length;
      rounds += FILTERS.length;
      await raw(`UPDATE "CalibrationGroups" SET "tagged" = "tagged" - 1000 WHERE "runId" = ? AND "tagged" >= 1000`, runId);
      const forwardReports = await everything();
      const forwardRows = await storedRows();
      expect(forwardRows.every((row) => row.tick >= 0)).toBe(true);

      await db().calibrationGroups.deleteMany({ where: { runId } });
      const scratch = await everything();
      expect(forwardReports).toEqual(scratch);
      expect(forward.fitSteps).toEqual(scratch.fitSteps);
      expect(forward.failures).toEqual(scratch.failures);
      expect(JSON.stringify(forwardRows)).toBe(JSON.stringify(await storedRows()));
      // every stored fold is at the clock: the log is trimmed to nothing
      expect(await logRows()).toBe(0);
      expect((await clock()).logged).toBe(0);
    }
    expect([...kinds].sort()).toEqual(["afterError", "bulk", "decision", "delete", "external", "gold", "label", "overflow", "recurrent", "reviewer", "undo"]);
    // every row was brought forward, none folded again (a group counted below zero would have
    // fallen back to the full fold: same numbers, so only this count shows it), but the round
    // past the log's limit
    expect(forwards).toBe(rounds - FILTERS.length);
  }, 600_000);
});
