import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateCorpus, ORACLE_RATES, readClevrScenes } from "@/lib/teacher/scripted";
import { DEFAULT_SETTINGS, withRules } from "@/lib/verifier/config";
import { packResults, packTraces, unpackResults, unpackTraces, verifyRow } from "@/lib/verifier/parallel-core";
import { defaultThreads, VerifierPool, workerFiles } from "@/lib/verifier/parallel";
import { wireCorpus } from "@/lib/verifier/wire-corpus";

// The threaded path against the in-process one on scripted-teacher traces over real CLEVR scenes
// (with injected faults, so verdicts fail as well as pass): every result equal, in order.

const scenes = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json")).slice(0, 60);
const corpus = generateCorpus({ scenes, questionsPerScene: 2, seeds: [1, 2], methods: ["direct"], rates: ORACLE_RATES });
// a few steps changed after the fact, so stale reasoning is exercised too
const { rows, sceneMap } = wireCorpus(scenes, corpus, (i, k) => (i % 7 === 0 && k === 2 ? 5 : null));

const pools: VerifierPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function pool(threads: number, settings = DEFAULT_SETTINGS): Promise<VerifierPool> {
  const opened = await VerifierPool.open({ threads, settings, scenes: sceneMap });
  if (!(opened instanceof VerifierPool)) throw new Error(`pool did not start: ${opened.reason}`);
  pools.push(opened);
  return opened;
}

describe("verification across threads", () => {
  it("gives the in-process results, in order, for every trace", async () => {
    const programs = new Map<number, unknown>();
    const inline = rows.map((r) => verifyRow(r, sceneMap, programs, DEFAULT_SETTINGS));
    expect(inline.some((r) => r.outcome.includes("fail"))).toBe(true);
    expect(inline.some((r) => r.evidence.some((e) => e !== null))).toBe(true);
    const threaded = await (await pool(2)).verifySpread(rows);
    expect(threaded).toHaveLength(rows.length);
    expect(threaded).toEqual(inline);
  });

  it("uses the settings it was opened with (a rule switched off stays off)", async () => {
    const settings = withRules(DEFAULT_SETTINGS, ["reasoning.claims"]);
    const threaded = await (await pool(1, settings)).verify(rows.slice(0, 40));
    const inline = rows.slice(0, 40).map((r) => verifyRow(r, sceneMap, new Map(), settings));
    expect(threaded).toEqual(inline);
    expect(threaded.flatMap((r) => r.rule)).not.toContain("reasoning.claims");
  });

  it("reports a thread's failure as the batch's error, naming it", async () => {
    const p = await pool(1);
    const bad = { ...rows[0], steps: [{ ...rows[0].steps[0], args: "{not json" }] };
    await expect(p.verify([bad])).rejects.toThrow(/verification thread failed: .*JSON/);
  });

  it("packs rows and results for the trip between threads without losing a field (nulls, changed steps, no scene)", () => {
    const odd = [{ ...rows[0], sceneId: null, questionId: null, answer: null, format: "canonical", steps: [{ ...rows[0].steps[0], text: null, changedAt: 7 }, ...rows[0].steps.slice(1)] }, ...rows.slice(1, 30)];
    expect(unpackTraces(packTraces(odd))).toEqual(odd);
    expect(unpackTraces(packTraces([]))).toEqual([]);
    const results = rows.slice(0, 60).map((r) => verifyRow(r, sceneMap, new Map(), DEFAULT_SETTINGS));
    expect(results.some((r) => r.valid) && results.some((r) => !r.valid)).toBe(true);
    expect(results.some((r) => r.coverage.some((c) => c !== null))).toBe(true);
    const packed = packResults(results);
    // strings once per batch: far fewer than the verdicts' messages
    expect(packed.strings.length).toBeLessThan(results.reduce((n, r) => n + r.message.length, 0) / 2);
    expect(unpackResults(packed)).toEqual(results);
  });

  it("refuses to start threads that cannot open their database, saying why (the run then verifies on its own thread)", async () => {
    const opened = await VerifierPool.open({ threads: 1, settings: DEFAULT_SETTINGS, scenes: sceneMap, source: { sqlite: path.resolve(".tmp/no-such-dir/none.db") } });
    expect(opened).toEqual({ reason: expect.stringMatching(/cannot open the database read-only: .*/) });
  });

  it("a pool without a row source refuses to read", async () => {
    await expect((await pool(1)).readSpread(1, [1, 2])).rejects.toThrow(/without a row source/);
  });

  it("finds its entry files here, and the thread count follows STEPWISE_VERIFY_THREADS", () => {
    expect("boot" in workerFiles()).toBe(true);
    expect(defaultThreads({ STEPWISE_VERIFY_THREADS: "3" })).toBe(3);
    expect(defaultThreads({ STEPWISE_VERIFY_THREADS: "zero" })).toBeGreaterThanOrEqual(1);
  });
});
