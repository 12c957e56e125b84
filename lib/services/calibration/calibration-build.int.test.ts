import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { runProfiles } from "@/lib/services/calibration/run-profiles";
import { recordStepLabel } from "@/lib/services/review/reviews";

// The profile build in bounded batches (docs/design.md §6, issue #15 "no request waits behind a
// long job"): with 2 verdicts per batch the fixture's build takes many transactions; between them
// the event loop runs other work, the rows being written stay invisible (readers keep the served
// generation) and the switch to the new generation happens at the end, at once. Real database
// (SQLite, or PostgreSQL in the PostgreSQL pass).

const RULES = { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } };

let data: TestDataset;
let runId: number;
const step = (t: number, s: number) => data.traces[t].steps[s].id;
const report = () => getCalibration(calibrationQuery.parse({ dataset: "calib-build", run: runId }));

async function cacheState() {
  const q = await sql();
  const served = await q.get<{ generation: number; verdicts: number }>(`SELECT "generation", "verdicts" FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
  const rows = await q.all<{ generation: number; n: number }>(`SELECT "generation", COUNT(*) AS n FROM "CalibrationStep" WHERE "runId" = ? GROUP BY "generation" ORDER BY "generation"`, [runId]);
  return { served: served?.generation ?? null, verdicts: served?.verdicts ?? null, rows };
}

beforeAll(async () => {
  process.env.STEPWISE_CALIBRATION_BATCH = "2";
  const traces = Array.from({ length: 6 }, (_, i) => ({
    externalId: `B${i}`,
    classes: i % 2 ? ["projective"] : [],
    steps: [{ kind: "tool_call" as const, tool: "detect", callId: "c1" }, { kind: "tool_result" as const, callId: "c1" }, { kind: "answer" as const }],
  }));
  data = await createTestDataset("calib-build", traces);
  const verdicts = data.traces.flatMap((t, i) => [
    { stepId: t.steps[0].id, rule: "args.schema", outcome: i % 3 === 0 ? ("fail" as const) : ("pass" as const) },
    { stepId: t.steps[1].id, rule: "result.reexec", outcome: i % 2 === 0 ? ("fail" as const) : ("pass" as const) },
    { stepId: t.steps[2].id, rule: "final.correct", outcome: i < 3 ? ("pass" as const) : ("fail" as const) },
  ]);
  ({ runId } = await insertTestRun({ datasetId: data.id, rules: RULES, verdicts }));
  for (const [i, t] of data.traces.entries()) {
    for (const [j, s] of t.steps.entries()) {
      await recordStepLabel(s.id, { label: (i + j) % 3 === 0 ? "reject" : "accept", expectedVersion: s.version, stopAtFirstError: false });
    }
  }
});

afterAll(() => {
  delete process.env.STEPWISE_CALIBRATION_BATCH;
});

describe("the profile build in bounded batches", () => {
  it("runs as many short transactions with the event loop free between them, and is served only when complete", async () => {
    const first = await report();
    expect(first.labels.labelled).toBe(18);
    const built = await cacheState();
    expect(built.rows).toEqual([{ generation: built.served, n: 18 }]);

    // the run's verdicts change: the next request rebuilds
    await db().verdict.create({ data: { runId, stepId: step(4, 0), traceId: data.traces[4].id, rule: "final.correct", outcome: "fail" } });
    const observed: Array<Awaited<ReturnType<typeof cacheState>>> = [];
    let ticks = 0;
    let done = false;
    const rebuilding = runProfiles(runId).finally(() => {
      done = true;
    });
    // other work of the process runs while the build is in progress
    while (!done) {
      ticks++;
      observed.push(await cacheState());
      await new Promise((resolve) => setImmediate(resolve));
    }
    const cache = await rebuilding;
    expect(ticks).toBeGreaterThan(3);
    expect(cache.generation).toBeGreaterThan(built.served!);
    // while the new generation was being written, readers were pointed at the old one, complete
    const partial = observed.filter((o) => o.rows.some((r) => r.generation === cache.generation && r.n > 0 && r.n < 18));
    expect(partial.length).toBeGreaterThan(0);
    for (const o of partial) {
      expect(o.served).toBe(built.served);
      expect(o.rows.find((r) => r.generation === built.served)?.n).toBe(18);
    }
    // after the switch: only the new generation is left, whole
    expect(await cacheState()).toMatchObject({ served: cache.generation, rows: [{ generation: cache.generation, n: 18 }] });

    const rebuilt = await report();
    expect(rebuilt).not.toEqual(first);
    // the same figures as a build from nothing
    await (await sql()).run(`DELETE FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
    expect(await report()).toEqual(rebuilt);
  });

  it("shares one build between concurrent requests", async () => {
    await (await sql()).run(`DELETE FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
    const [a, b] = await Promise.all([runProfiles(runId), runProfiles(runId)]);
    expect(a).toEqual(b);
    expect((await cacheState()).rows).toEqual([{ generation: a.generation, n: 18 }]);
  });

  it("leaves the served generation alone when a build is abandoned half-way, and cleans it up after the next one", async () => {
    const served = await cacheState();
    // a build that died after two batches (a killed process): its marker and some rows are left
    const q = await sql();
    const dead = served.served! + 1;
    await q.run(`INSERT INTO "CalibrationProfile" ("runId", "generation", "profile", "failMask", "passMask", "outcome", "kind", "steps") VALUES (?, ?, 0, 0, 0, 'skip', '', 0)`, [runId, dead]);
    await q.run(`INSERT INTO "CalibrationStep" ("runId", "generation", "stepId", "profile") VALUES (?, ?, ?, 1), (?, ?, ?, 1)`, [runId, dead, step(0, 0), runId, dead, step(0, 1)]);
    const before = await report();
    expect((await cacheState()).served).toBe(served.served);
    // a change makes the next request rebuild past the dead generation, which is then removed
    await db().verdict.create({ data: { runId, stepId: step(5, 0), traceId: data.traces[5].id, rule: "final.correct", outcome: "fail" } });
    const after = await report();
    expect(after).not.toEqual(before);
    const state = await cacheState();
    expect(state.served).toBeGreaterThan(dead);
    expect(state.rows).toEqual([{ generation: state.served, n: 18 }]);
    expect(await db().calibrationProfile.count({ where: { runId, generation: { not: state.served! } } })).toBe(0);
  });
});
