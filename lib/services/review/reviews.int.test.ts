import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { editStep, listRevisions, recordStepLabel, recordTraceDecision, rerunStep, undoLastAction } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";

let traceId: number;

async function steps() {
  return db().step.findMany({ where: { traceId }, orderBy: { index: "asc" } });
}
async function currentLabels(user = "local") {
  const rows = await db().review.findMany({ where: { traceId, current: true, user: { name: user }, stepId: { not: null } }, include: { step: { select: { index: true } } } });
  return Object.fromEntries(rows.map((r) => [r.step!.index, r.label]));
}

beforeAll(async () => {
  await seedDemo({ force: true });
  const trace = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, question: { contains: "small green thing; how many small things are right" } } });
  traceId = trace.id;
});

describe("step labels", () => {
  it("records a label, bumps the step version and the trace label state", async () => {
    const [first] = await steps();
    const result = await recordStepLabel(first.id, { label: "accept", expectedVersion: first.version, timeSpentMs: 1200, stopAtFirstError: false });
    expect(result.steps).toEqual([{ id: first.id, version: first.version + 1, revision: 0 }]);
    expect(result.labelState).toBe("partial");
    const review = await db().review.findFirstOrThrow({ where: { stepId: first.id, current: true }, include: { user: true } });
    expect(review).toMatchObject({ label: "accept", timeSpentMs: 1200, source: "human", revision: 0, comment: null, afterError: false, provenance: null });
    expect(review.user.name).toBe("local");
    // the audit row undo reads
    const entry = await db().auditLog.findFirstOrThrow({ where: { action: "review.label", entityId: String(first.id) }, orderBy: { id: "desc" } });
    expect(entry).toMatchObject({ entity: "step", userId: review.userId, undoneAt: null });
    expect(entry.data).toEqual({ traceId, reviewId: review.id, previousReviewId: null, markers: [], clearedMarkerIds: [] });
  });

  it("rejects a stale version with a clear conflict and loses nothing", async () => {
    const [first] = await steps();
    const stale = first.version - 1;
    const error = await recordStepLabel(first.id, { label: "reject", expectedVersion: stale, stopAtFirstError: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("conflict");
    expect((error as AppError).message).toMatch(/Step 0 changed since you loaded it .*labelled accept by local/);
    expect(await currentLabels()).toEqual({ 0: "accept" });
  });

  it("stop-at-first-error: rejecting marks every later unlabelled step after-error; relabelling clears them", async () => {
    const all = await steps();
    const target = all[3];
    await recordStepLabel(target.id, { label: "reject", expectedVersion: target.version, stopAtFirstError: true });
    const labels = await currentLabels();
    expect(labels[3]).toBe("reject");
    for (const s of all.filter((s) => s.index > 3)) expect(labels[s.index]).toBe("after_error");
    expect(labels[1]).toBeUndefined();
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceId } })).labelState).toBe("partial");
    const markers = await db().review.findMany({ where: { traceId, current: true, label: "after_error", user: { name: "local" } }, orderBy: { id: "asc" } });
    expect(markers.every((m) => m.afterError && m.comment === "after step 3")).toBe(true);
    const entry = await db().auditLog.findFirstOrThrow({ where: { action: "review.label", entityId: String(target.id) }, orderBy: { id: "desc" } });
    const rejected = await db().review.findFirstOrThrow({ where: { stepId: target.id, current: true, user: { name: "local" } } });
    expect(rejected.provenance).toEqual({ mode: "stop_at_first_error" });
    expect(entry.data).toMatchObject({ reviewId: rejected.id, markers: markers.map((m) => ({ id: m.id, stepId: m.stepId, replaced: null })), clearedMarkerIds: [] });
    expect(markers.every((m) => m.id > rejected.id)).toBe(true);

    const fresh = (await steps())[3];
    await recordStepLabel(fresh.id, { label: "accept", expectedVersion: fresh.version, stopAtFirstError: true });
    const after = await currentLabels();
    expect(Object.values(after).filter((l) => l === "after_error")).toHaveLength(0);
    const relabel = await db().auditLog.findFirstOrThrow({ where: { action: "review.label", entityId: String(fresh.id) }, orderBy: { id: "desc" } });
    expect((relabel.data as { clearedMarkerIds: number[] }).clearedMarkerIds).toEqual(markers.map((m) => m.id));
  });

  it("undo restores the previous label (and the after-error markers it had cleared)", async () => {
    const undone = await undoLastAction({});
    expect(undone.undone).toBe("label");
    const labels = await currentLabels();
    expect(labels[3]).toBe("reject");
    expect(Object.values(labels).filter((l) => l === "after_error").length).toBeGreaterThan(0);
  });

  it("labels of another reviewer are separate", async () => {
    const [first] = await steps();
    await recordStepLabel(first.id, { label: "reject", expectedVersion: first.version, stopAtFirstError: false, user: "ana" });
    expect(await currentLabels("ana")).toEqual({ 0: "reject" });
    expect((await currentLabels())[0]).toBe("accept");
  });
});

describe("trace decisions", () => {
  it("records, conflicts on a stale version, and undoes", async () => {
    const trace = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
    const result = await recordTraceDecision(traceId, { decision: "reject", expectedVersion: trace.version });
    expect(result.traceVersion).toBe(trace.version + 1);
    await expect(recordTraceDecision(traceId, { decision: "accept", expectedVersion: trace.version })).rejects.toThrow(/trace decision changed/);
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceId } })).decision).toBe("reject");
    await undoLastAction({});
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceId } })).decision).toBeNull();
  });
});

describe("undo on one trace", () => {
  it("undoes the last action on the given trace, not a later one on another trace (JSON path filter on both dialects)", async () => {
    const other = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, id: { not: traceId } }, include: { steps: { orderBy: { index: "asc" }, take: 1 } } });
    const [first] = await steps();
    await recordStepLabel(first.id, { label: "reject", expectedVersion: first.version, stopAtFirstError: false });
    const otherStep = other.steps[0];
    await recordStepLabel(otherStep.id, { label: "accept", expectedVersion: otherStep.version, stopAtFirstError: false });
    const undone = await undoLastAction({ traceId });
    expect(undone.undone).toBe("label");
    expect((await currentLabels())[0]).toBe("accept");
    const kept = await db().review.findFirstOrThrow({ where: { stepId: otherStep.id, current: true, user: { name: "local" } } });
    expect(kept.label).toBe("accept");
  });
});

describe("edits and re-runs", () => {
  it("an edit keeps the original as revision 0 and the new text as revision 1", async () => {
    const reasoning = (await steps()).find((s) => s.kind === "reasoning")!;
    await editStep(reasoning.id, { expectedVersion: reasoning.version, text: "obj_4 is a small green cube." });
    const revisions = await listRevisions(reasoning.id);
    expect(revisions.map((r) => [r.revision, r.reason])).toEqual([[0, "original"], [1, "edit"]]);
    expect(revisions[0].text).toBe(reasoning.text);
    const updated = await db().step.findUniqueOrThrow({ where: { id: reasoning.id } });
    expect(updated).toMatchObject({ text: "obj_4 is a small green cube.", revision: 1, refs: "[4]" });
  });

  it("re-running an edited call executes the tool on the scene and revises call and result", async () => {
    const all = await steps();
    const before = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
    const call = all.find((s) => s.kind === "tool_call" && s.tool === "relate")!;
    const resultStep = all.find((s) => s.kind === "tool_result" && s.callId === call.callId)!;
    const args = { ...(call.args as Record<string, unknown>), relation: "left" };
    const outcome = await rerunStep(call.id, { expectedVersion: call.version, args });
    expect(outcome.steps.map((s) => s.id).sort()).toEqual([call.id, resultStep.id].sort());
    const newResult = await db().step.findUniqueOrThrow({ where: { id: resultStep.id } });
    // scene 335: objects left of obj_4 (CLEVR relationships["left"][4])
    const scene = await db().scene.findFirstOrThrow({ where: { name: "CLEVR_train_000335.png" } });
    const expected = ((scene.relationships as Record<string, number[][]>).left[4]).map((j) => `obj_${j}`);
    expect(newResult.result).toEqual(expected);
    expect((await listRevisions(resultStep.id)).map((r) => r.reason)).toEqual(["original", "rerun"]);
    expect((await listRevisions(call.id)).at(-1)?.args).toEqual(args);

    // re-verified in the trace's run: later steps still rely on the old result, so they now fail
    const reverified = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
    expect(reverified.runId).not.toBeNull();
    const failing = await db().verdict.findMany({ where: { runId: reverified.runId!, traceId, outcome: "fail" }, select: { rule: true } });
    expect(failing.length).toBeGreaterThan(0);
    expect(reverified.valid).toBe(false);
    for (const { rule } of failing) expect(reverified.failingRules).toContain(`,${rule},`);
    const resultVerdicts = await db().verdict.findMany({ where: { runId: reverified.runId!, stepId: resultStep.id } });
    expect(resultVerdicts.find((v) => v.rule === "result.reexec")?.outcome).toBe("pass");

    await undoLastAction({});
    const restored = await db().step.findUniqueOrThrow({ where: { id: resultStep.id } });
    expect(restored.result).toEqual(resultStep.result);
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceId } })).failingRules).toBe(before.failingRules);
    expect((await listRevisions(resultStep.id)).map((r) => r.reason)).toEqual(["original", "rerun", "undo"]);
  });

  it("rejects args on a non-call step and re-runs on traces without a scene", async () => {
    const reasoning = (await steps()).find((s) => s.kind === "reasoning")!;
    await expect(editStep(reasoning.id, { expectedVersion: reasoning.version, args: { a: 1 } })).rejects.toThrow(/only tool calls have args/);
    const visprogCall = await db().step.findFirstOrThrow({ where: { kind: "tool_call", trace: { dataset: { name: "visprog-gqa" } } } });
    await expect(rerunStep(visprogCall.id, { expectedVersion: visprogCall.version })).rejects.toThrow(/cannot be re-executed|no scene/);
  });
});

describe("optimistic concurrency", () => {
  it("a stale label or decision writes nothing: no review, no audit row, no version bump", async () => {
    const [, second] = await steps();
    const trace = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
    const counts = async () => [await db().review.count(), await db().auditLog.count(), (await db().step.findUniqueOrThrow({ where: { id: second.id } })).version, (await db().trace.findUniqueOrThrow({ where: { id: traceId } })).version];
    const before = await counts();
    await expect(recordStepLabel(second.id, { label: "reject", expectedVersion: second.version + 1, stopAtFirstError: true })).rejects.toMatchObject({ code: "conflict" });
    await expect(recordTraceDecision(traceId, { decision: "accept", expectedVersion: trace.version + 1 })).rejects.toMatchObject({ code: "conflict" });
    expect(await counts()).toEqual(before);
  });

  it("two reviewers sending the same version at once: one label (and one decision) is recorded, the other is a conflict", async () => {
    for (const name of ["kai", "lea"]) await db().user.upsert({ where: { name }, create: { name }, update: {} });
    const [, second] = await steps();
    const labels = await Promise.allSettled(["kai", "lea"].map((user) => recordStepLabel(second.id, { label: "accept", expectedVersion: second.version, stopAtFirstError: false, user })));
    expect(labels.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((labels.find((o) => o.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
    expect((await db().step.findUniqueOrThrow({ where: { id: second.id } })).version).toBe(second.version + 1);
    expect(await db().review.count({ where: { stepId: second.id, current: true, user: { name: { in: ["kai", "lea"] } } } })).toBe(1);

    const trace = await db().trace.findUniqueOrThrow({ where: { id: traceId } });
    const decisions = await Promise.allSettled(["kai", "lea"].map((user) => recordTraceDecision(traceId, { decision: "accept", expectedVersion: trace.version, user })));
    expect(decisions.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceId } })).version).toBe(trace.version + 1);
    expect(await db().review.count({ where: { traceId, stepId: null, current: true, user: { name: { in: ["kai", "lea"] } } } })).toBe(1);
  });

  it("a reviewer named for the first time is recorded with their label", async () => {
    const [, second] = await steps();
    const result = await recordStepLabel(second.id, { label: "neutral", expectedVersion: second.version, stopAtFirstError: false, user: "first-timer" });
    expect(result.steps).toEqual([{ id: second.id, version: second.version + 1, revision: second.revision }]);
    expect(await db().user.findUniqueOrThrow({ where: { name: "first-timer" } })).toMatchObject({ role: "reviewer" });
  });
});
