import { beforeAll, describe, expect, it } from "vitest";
import { runInRequest } from "@/lib/auth/context";
import { db } from "@/lib/db";
import { all, insert, many, run, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { bulkApplyBody, bulkPreviewBody, type BulkApplyBody } from "@/lib/schemas/bulk";
import { LIMITS } from "@/lib/schemas/limits";
import { AFTER_ERROR } from "@/lib/schemas/reviews";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { applyBulk, previewBulk, type BulkProgress } from "@/lib/services/review/bulk";
import { failingRulesText } from "@/lib/services/review/disagreements";
import { setReviewPolicy } from "@/lib/services/review/review-slots";
import { recordStepLabel, undoLastAction } from "@/lib/services/review/reviews";

// Bulk review actions against a real database (SQLite or PostgreSQL) (docs/design.md §6 "Bulk actions"):
//
//   trace  valid  step verdicts (latest run)
//   T1     yes    s0 pass · s1 pass · s2 skip only (unchecked)
//   T2     no     s0 pass · s1 fail args.schema · s2 fail result.reexec
//   T3     yes    s0 pass · s1 pass and fail final.correct

let data: TestDataset;
const step = (t: number, s: number) => data.traces[t].steps[s].id;
const body = (action: BulkApplyBody["action"], extra: Partial<BulkApplyBody> = {}, dataset = "bulk-a"): BulkApplyBody => bulkApplyBody.parse({ filter: { dataset }, action, ...extra });

async function label(user: string, stepId: number, value: "accept" | "reject" | "neutral") {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  return recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: false, user });
}

const current = (stepId: number, user: string) => db().review.findFirst({ where: { stepId, current: true, user: { name: user } }, select: { id: true, label: true, source: true, provenance: true } });

async function markRun(datasetId: number, runId: number, traces: Array<{ id: number; valid: boolean; quality: number; failing: string[]; failingSteps: number }>) {
  for (const t of traces) {
    await db().trace.update({ where: { id: t.id }, data: { runId, valid: t.valid, quality: t.quality, failingRules: failingRulesText(t.failing), failingSteps: t.failingSteps } });
  }
  expect(await db().trace.count({ where: { datasetId, runId } })).toBe(traces.length);
}

beforeAll(async () => {
  data = await createTestDataset("bulk-a", [
    { externalId: "T1", steps: [{ kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "answer" }] },
    { externalId: "T2", steps: [{ kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "tool_call", tool: "count", callId: "c2" }, { kind: "answer" }] },
    { externalId: "T3", steps: [{ kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "answer" }] },
  ]);
  const { runId } = await insertTestRun({
    datasetId: data.id,
    rules: { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } },
    verdicts: [
      { stepId: step(0, 0), rule: "args.schema", outcome: "pass" },
      { stepId: step(0, 1), rule: "result.reexec", outcome: "pass" },
      { stepId: step(0, 2), rule: "final.correct", outcome: "skip" },
      { stepId: step(1, 0), rule: "args.schema", outcome: "pass" },
      { stepId: step(1, 1), rule: "args.schema", outcome: "fail" },
      { stepId: step(1, 2), rule: "result.reexec", outcome: "fail" },
      { stepId: step(2, 0), rule: "args.schema", outcome: "pass" },
      { stepId: step(2, 1), rule: "args.schema", outcome: "pass" },
      { stepId: step(2, 1), rule: "final.correct", outcome: "fail" },
    ],
  });
  await markRun(data.id, runId, [
    { id: data.traces[0].id, valid: true, quality: 0.95, failing: [], failingSteps: 0 },
    { id: data.traces[1].id, valid: false, quality: 0.3, failing: ["args.schema", "result.reexec"], failingSteps: 2 },
    { id: data.traces[2].id, valid: true, quality: 0.85, failing: ["final.correct"], failingSteps: 1 },
  ]);
});

describe("bulk: accept every step the verifier passed on valid traces", () => {
  it("previews, applies as one audited action under the user, and one undo reverts it — only that user's labels", async () => {
    await label("bob", step(0, 0), "reject"); // another reviewer's label on a target step
    const preview = await previewBulk(body({ kind: "accept_passed_steps" }), { user: "alice" });
    expect(preview).toMatchObject({ kind: "accept_passed_steps", label: "accept", traces: 2, affectedTraces: 2, items: 3, unchanged: 0, keptOwn: 0, slotsFull: 0, steps: true, overLimit: false });
    expect(preview.sample.map((s) => s.externalId)).toEqual(["T1", "T3"]);
    const versionBefore = (await db().step.findUniqueOrThrow({ where: { id: step(0, 0) } })).version;

    const applied = await runInRequest({ principal: null, requestId: "req-bulk-1", audited: false }, () => applyBulk(body({ kind: "accept_passed_steps" }, { expectedItems: 3 }), { user: "alice" }));
    expect(applied).toMatchObject({ status: "done", items: 3, traces: 2, label: "accept", chunks: 1 });
    for (const id of [step(0, 0), step(0, 1), step(2, 0)]) expect(await current(id, "alice")).toMatchObject({ label: "accept", source: "human", provenance: { bulk: applied.id } });
    for (const id of [step(0, 2), step(1, 0), step(2, 1)]) expect(await current(id, "alice")).toBeNull(); // unchecked, invalid trace, a failing rule
    expect((await db().step.findUniqueOrThrow({ where: { id: step(0, 0) } })).version).toBe(versionBefore + 1);
    expect((await db().trace.findUniqueOrThrow({ where: { id: data.traces[0].id } })).labelState).toBe("partial");
    // bob's reject of s0 contradicts the pass: counted as a disagreement, untouched by alice's bulk
    expect(await current(step(0, 0), "bob")).toMatchObject({ label: "reject" });
    const audit = await db().auditLog.findMany({ where: { action: "review.bulk", entityId: String(applied.id) }, include: { user: true } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entity: "bulk", requestId: "req-bulk-1", undoneAt: null });
    expect(audit[0].user?.name).toBe("alice");

    // bob can neither undo alice's action nor have his own undo pick it
    await expect(undoLastAction({ user: "bob", bulk: applied.id })).rejects.toMatchObject({ code: "not_found" });
    const bobUndo = await undoLastAction({ user: "bob" });
    expect(bobUndo.undone).toBe("label"); // bob's own last action
    expect(await current(step(0, 1), "alice")).toMatchObject({ label: "accept" });

    const undone = await undoLastAction({ user: "alice" });
    expect(undone).toMatchObject({ action: "undo", undone: "bulk", bulk: { id: applied.id, reverted: 3, keptLater: 0, chunks: 1 } });
    for (const id of [step(0, 0), step(0, 1), step(2, 0)]) expect(await current(id, "alice")).toBeNull();
    expect((await db().trace.findUniqueOrThrow({ where: { id: data.traces[0].id } })).labelState).toBe("unlabeled");
    expect((await db().bulkAction.findUniqueOrThrow({ where: { id: applied.id } })).status).toBe("undone");
    await expect(undoLastAction({ user: "alice", bulk: applied.id })).rejects.toMatchObject({ code: "not_found" });
  });

  it("keeps the reviewer's own other labels unless overwrite; undo restores the replaced label; a later change survives undo", async () => {
    await label("alice", step(0, 1), "reject");
    const kept = await previewBulk(body({ kind: "accept_passed_steps" }), { user: "alice" });
    expect(kept).toMatchObject({ items: 2, keptOwn: 1 });
    const applied = await applyBulk(body({ kind: "accept_passed_steps" }, { overwrite: true }), { user: "alice" });
    expect(applied.items).toBe(3);
    expect(await current(step(0, 1), "alice")).toMatchObject({ label: "accept" });
    const again = await previewBulk(body({ kind: "accept_passed_steps" }), { user: "alice" });
    expect(again).toMatchObject({ items: 0, unchanged: 3 });
    await expect(applyBulk(body({ kind: "accept_passed_steps" }), { user: "alice" })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringMatching(/nothing to write.*3 already carry your accept/) });

    await label("alice", step(2, 0), "neutral"); // alice changes one bulk label by hand afterwards
    const undone = await undoLastAction({ user: "alice", bulk: applied.id });
    expect(undone.bulk).toMatchObject({ reverted: 2, keptLater: 1 });
    expect(await current(step(0, 1), "alice")).toMatchObject({ label: "reject" }); // the replaced label is back
    expect(await current(step(0, 0), "alice")).toBeNull();
    expect(await current(step(2, 0), "alice")).toMatchObject({ label: "neutral" });
    expect(await db().review.count({ where: { stepId: { in: [step(0, 1), step(2, 0)] }, user: { name: "alice" }, current: true } })).toBe(2);
  });

  it("replacing a reject made in stop-at-first-error mode ends its after-error markers, also on steps the action does not label; undo brings them back", async () => {
    const { version } = await db().step.findUniqueOrThrow({ where: { id: step(0, 0) }, select: { version: true } });
    await recordStepLabel(step(0, 0), { label: "reject", expectedVersion: version, stopAtFirstError: true, user: "hank" });
    expect(await current(step(0, 1), "hank")).toMatchObject({ label: AFTER_ERROR });
    const marker = await current(step(0, 2), "hank");
    expect(marker).toMatchObject({ label: AFTER_ERROR });
    const markedVersion = (await db().step.findUniqueOrThrow({ where: { id: step(0, 2) } })).version;

    // accepts T1's s0 and s1 (the passed steps), not s2 (unchecked): s2's marker "after step 0" must go with the reject
    const applied = await applyBulk(body({ kind: "accept_passed_steps" }, { overwrite: true }), { user: "hank" });
    expect(applied.items).toBe(3);
    expect(await current(step(0, 0), "hank")).toMatchObject({ label: "accept" });
    expect(await current(step(0, 1), "hank")).toMatchObject({ label: "accept" });
    expect(await current(step(0, 2), "hank")).toBeNull();
    expect((await db().step.findUniqueOrThrow({ where: { id: step(0, 2) } })).version).toBe(markedVersion + 1);

    const undone = await undoLastAction({ user: "hank", bulk: applied.id });
    expect(undone.bulk).toMatchObject({ reverted: 3, keptLater: 0 });
    expect(await current(step(0, 0), "hank")).toMatchObject({ label: "reject" });
    expect(await current(step(0, 1), "hank")).toMatchObject({ label: AFTER_ERROR });
    expect(await current(step(0, 2), "hank")).toMatchObject({ id: marker!.id, label: AFTER_ERROR });
    expect(await db().review.count({ where: { traceId: data.traces[0].id, user: { name: "hank" }, current: true } })).toBe(3);
  });
});

describe("bulk: by rule", () => {
  it("rejects the steps of a failing rule, and decides the traces that fail a rule; undo restores the decision", async () => {
    const steps = await previewBulk(body({ kind: "label_rule_steps", rule: "args.schema", label: "reject" }), { user: "carol" });
    expect(steps).toMatchObject({ traces: 1, items: 1, label: "reject", rule: "args.schema" });
    await applyBulk(body({ kind: "label_rule_steps", rule: "args.schema", label: "reject" }), { user: "carol" });
    expect(await current(step(1, 1), "carol")).toMatchObject({ label: "reject" });
    expect(await current(step(1, 2), "carol")).toBeNull();

    const before = await db().trace.findUniqueOrThrow({ where: { id: data.traces[1].id } });
    const decide = await applyBulk(body({ kind: "decide_traces", decision: "reject", rule: "result.reexec" }), { user: "carol" });
    expect(decide).toMatchObject({ items: 1, traces: 1 });
    const after = await db().trace.findUniqueOrThrow({ where: { id: data.traces[1].id } });
    expect(after).toMatchObject({ decision: "reject", version: before.version + 1 });
    expect((await db().trace.findUniqueOrThrow({ where: { id: data.traces[0].id } })).decision).toBeNull();
    await undoLastAction({ user: "carol" });
    expect((await db().trace.findUniqueOrThrow({ where: { id: data.traces[1].id } })).decision).toBe(before.decision);
    expect(await db().review.count({ where: { traceId: data.traces[1].id, stepId: null, current: true, user: { name: "carol" } } })).toBe(0);
    // the earlier step bulk is carol's last undoable action now
    expect((await undoLastAction({ user: "carol" })).bulk?.reverted).toBe(1);
    expect(await current(step(1, 1), "carol")).toBeNull();
  });

  it("follows the review policy's slots: a trace whose slots others hold is skipped and counted", async () => {
    await createTestDataset("bulk-slots", [{ externalId: "S1", steps: [{ kind: "answer" }] }, { externalId: "S2", steps: [{ kind: "answer" }] }]);
    await setReviewPolicy("bulk-slots", { minReviews: 1, blind: false, leaseMinutes: 30 });
    const s1 = await db().trace.findFirstOrThrow({ where: { externalId: "S1", dataset: { name: "bulk-slots" } }, include: { steps: true } });
    await label("bob", s1.steps[0].id, "accept");
    const preview = await previewBulk(body({ kind: "decide_traces", decision: "accept" }, {}, "bulk-slots"), { user: "dave" });
    expect(preview).toMatchObject({ traces: 2, slotsFull: 1, items: 1, steps: false });
    expect(preview.sample.map((s) => s.externalId)).toEqual(["S2"]);
    const applied = await applyBulk(body({ kind: "decide_traces", decision: "accept" }, {}, "bulk-slots"), { user: "dave" });
    expect(applied).toMatchObject({ items: 1, slotsFull: 1 });
    expect(await db().review.count({ where: { traceId: s1.id, user: { name: "dave" } } })).toBe(0);
  });

  it("re-checks slots while writing: a trace another reviewer took after the page was read is skipped", async () => {
    await createTestDataset("bulk-race", ["X1", "X2", "X3"].map((externalId) => ({ externalId, steps: [{ kind: "answer" as const }] })));
    await setReviewPolicy("bulk-race", { minReviews: 1, blind: false, leaseMinutes: 30 });
    const x3 = await db().trace.findFirstOrThrow({ where: { externalId: "X3", dataset: { name: "bulk-race" } }, include: { steps: true } });
    let raced = false;
    const applied = await applyBulk(body({ kind: "decide_traces", decision: "accept" }, {}, "bulk-race"), {
      user: "gina",
      chunkSize: 1,
      onChunk: async () => {
        if (raced) return;
        raced = true;
        await label("bob", x3.steps[0].id, "reject"); // bob takes X3's only slot mid-action
      },
    });
    expect(applied).toMatchObject({ items: 2, slotsFull: 1, chunks: 2 });
    expect(await db().review.count({ where: { traceId: x3.id, user: { name: "gina" } } })).toBe(0);
  });

  it("refuses a stale preview, an unknown dataset, and bodies with unknown keys", async () => {
    await expect(applyBulk(body({ kind: "label_rule_steps", rule: "result.reexec", label: "neutral" }, { expectedItems: 5 }), { user: "erin" })).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/now gives 1 labels.*not the 5/) });
    expect(await db().bulkAction.count({ where: { label: "neutral" } })).toBe(0);
    const missing = await previewBulk(body({ kind: "accept_passed_steps" }, {}, "no-such-dataset"), { user: "erin" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AppError);
    expect((missing as AppError).details[0]).toMatchObject({ path: "filter.dataset" });
    expect(bulkPreviewBody.safeParse({ filter: { dataset: "bulk-a", everything: "true" }, action: { kind: "accept_passed_steps" } }).success).toBe(false);
    expect(bulkPreviewBody.safeParse({ filter: {}, action: { kind: "label_rule_steps", label: "reject" } }).success).toBe(false); // no rule
    expect(bulkPreviewBody.safeParse({ filter: {}, action: { kind: "label_rule_steps", rule: "x", label: "accept" } }).success).toBe(false);
    expect(bulkPreviewBody.safeParse({ filter: {}, action: { kind: "decide_traces", decision: "reject", rule: "args.schema,result.reexec" } }).success).toBe(false);
    expect(bulkPreviewBody.safeParse({ filter: {}, action: { kind: "decide_traces", decision: "reject", rule: "args.schema" }, overwrite: "yes" }).success).toBe(false);
    expect(bulkPreviewBody.safeParse({ filter: {}, action: { kind: "accept_passed_steps" }, user: "mallory" }).success).toBe(false);
  });
});

describe("bulk: over 10k steps", () => {
  it("writes and undoes in chunks of at most LIMITS.bulkChunk labels, all of them", async () => {
    const TRACES = 500;
    const STEPS = 21; // 10,500 steps
    const dataset = await db().dataset.create({ data: { name: "bulk-big" } });
    const config = await db().verifierConfig.findFirstOrThrow({ orderBy: { version: "desc" } });
    // set-wise (three bulk inserts), so the seeding is quick on PostgreSQL too
    await writeProgram(function* () {
      const runId = yield* insert(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status") VALUES (?, ?, 'done')`, config.id, dataset.id);
      yield* many(
        "Trace",
        ["datasetId", "externalId", "question", "format", "contentHash", "raw", "stepCount", "valid", "quality", "runId"],
        Array.from({ length: TRACES }, (_, t) => [dataset.id, `B${t}`, "q", "canonical", `h${t}`, "{}", STEPS, true, 0.9, runId]),
      );
      const ids = yield* all<{ id: number }>(`SELECT "id" FROM "Trace" WHERE "datasetId" = ? ORDER BY "id"`, dataset.id);
      yield* many("Step", ["traceId", "index", "kind", "text"], ids.flatMap(({ id }) => Array.from({ length: STEPS }, (_, s) => [id, s, "reasoning", "t"])));
      yield* run(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome") SELECT ?, s."id", s."traceId", 'reasoning.claims', 'pass' FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" WHERE t."datasetId" = ?`, runId, dataset.id);
    });
    const big = body({ kind: "accept_passed_steps" }, {}, "bulk-big");
    expect((await previewBulk(big, { user: "frank" })).items).toBe(TRACES * STEPS);
    const progress: BulkProgress[] = [];
    const applied = await applyBulk(big, { user: "frank", onChunk: (p) => void progress.push(p) });
    expect(applied.items).toBe(TRACES * STEPS);
    expect(progress.length).toBe(applied.chunks);
    expect(progress.length).toBeGreaterThanOrEqual(Math.ceil((TRACES * STEPS) / LIMITS.bulkChunk));
    expect(Math.max(...progress.map((p) => p.chunk))).toBeLessThanOrEqual(LIMITS.bulkChunk);
    expect(progress.reduce((sum, p) => sum + p.chunk, 0)).toBe(TRACES * STEPS);
    expect(progress[progress.length - 1]).toMatchObject({ written: TRACES * STEPS, total: TRACES * STEPS });
    expect(await db().review.count({ where: { current: true, user: { name: "frank" } } })).toBe(TRACES * STEPS);
    expect(await db().trace.count({ where: { datasetId: dataset.id, labelState: "complete" } })).toBe(TRACES);

    const undone = await undoLastAction({ user: "frank" });
    expect(undone.bulk?.reverted).toBe(TRACES * STEPS);
    expect(undone.bulk?.chunks).toBeGreaterThanOrEqual(Math.ceil((TRACES * STEPS) / LIMITS.bulkChunk));
    expect(await db().review.count({ where: { current: true, user: { name: "frank" } } })).toBe(0);
    expect(await db().trace.count({ where: { datasetId: dataset.id, labelState: "unlabeled" } })).toBe(TRACES);
  });
});
