import { beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { resolveHuman } from "@/lib/formats/export/labels";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestDataset } from "@/lib/services/calibration/calibration-test-data";
import { adjudicateStep, adjudicationQueue } from "@/lib/services/review/adjudication";
import { agreementReport } from "@/lib/services/review/agreement";
import { assignTraces, claimNextTrace, reviewProgress, setReviewPolicy } from "@/lib/services/review/review-slots";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { nextInQueue } from "@/lib/services/traces/trace-list";
import { getTrace } from "@/lib/services/traces/traces";

// Several reviewers per trace against a real SQLite file (docs/design.md §13): overlap enforced
// with slots, blind reading, the adjudication queue, gold labels in calibration and exports, and
// the agreement report.
//
//   trace T1   step   verdict   alice    bob      → after adjudication (admin: s1 reject)
//              s0     pass      accept   accept     agree
//              s1     fail      reject   accept     gold reject → tp
//              s2     pass      accept   reject     open (tie)

let data: TestDataset;
const people: Record<string, Principal> = {};
const step = (t: number, s: number) => data.traces[t].steps[s].id;

async function label(user: string, stepId: number, value: "accept" | "reject" | "neutral") {
  const { version } = await db().step.findUniqueOrThrow({ where: { id: stepId }, select: { version: true } });
  return recordStepLabel(stepId, { label: value, expectedVersion: version, stopAtFirstError: false, user });
}

beforeAll(async () => {
  data = await createTestDataset("overlap-a", [
    { externalId: "T1", steps: [{ kind: "tool_call", tool: "detect", callId: "c1" }, { kind: "tool_result", callId: "c1" }, { kind: "answer" }] },
    { externalId: "T2", steps: [{ kind: "answer" }] },
    { externalId: "T3", steps: [{ kind: "answer" }] },
  ]);
  await insertTestRun({
    datasetId: data.id,
    rules: { "args.schema": { enabled: true, weight: 1 }, "result.reexec": { enabled: true, weight: 1 }, "final.correct": { enabled: true, weight: 1 } },
    verdicts: [
      { stepId: step(0, 0), rule: "args.schema", outcome: "pass" },
      { stepId: step(0, 1), rule: "result.reexec", outcome: "fail" },
      { stepId: step(0, 2), rule: "final.correct", outcome: "pass" },
    ],
    scores: [{ traceId: data.traces[0].id, quality: 0.5, valid: false, parts: { rules: {} } }],
  });
  for (const [name, role] of [["alice", "reviewer"], ["bob", "reviewer"], ["carol", "reviewer"], ["boss", "admin"]] as const) {
    const user = await db().user.upsert({ where: { name }, create: { name, role }, update: { role } });
    people[name] = { userId: user.id, name, email: null, role, via: "local" };
  }
  await setReviewPolicy("overlap-a", { minReviews: 2, blind: true, leaseMinutes: 30 });
});

describe("overlap: review slots", () => {
  it("two reviewers take T1's two slots; a third is refused with a conflict and nothing is written", async () => {
    await label("alice", step(0, 0), "accept");
    await label("bob", step(0, 0), "accept");
    const error = await label("carol", step(0, 0), "reject").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("conflict");
    expect((error as AppError).message).toMatch(/all 2 review slots of trace \d+ are taken/);
    expect(await db().review.count({ where: { stepId: step(0, 0), user: { name: "carol" } } })).toBe(0);
  });

  it("the queue hands carol a trace with a free slot and leases it; assignment respects free slots", async () => {
    const claim = await claimNextTrace("overlap-a", people.carol);
    expect(claim.traceId).toBe(data.traces[1].id);
    expect(await claimNextTrace("overlap-a", people.carol)).toMatchObject({ traceId: data.traces[1].id }); // the same lease again
    const assigned = await assignTraces("overlap-a", { users: ["alice", "bob"], traceIds: [data.traces[1].id, data.traces[2].id] }, people.boss);
    // T2: carol holds one slot, so only one of alice/bob fits; T3: both
    expect(assigned.assigned.filter((a) => a.traceId === data.traces[1].id)).toHaveLength(1);
    expect(assigned.assigned.filter((a) => a.traceId === data.traces[2].id)).toHaveLength(2);
    const progress = await reviewProgress("overlap-a");
    expect(progress.policy).toMatchObject({ minReviews: 2, blind: true, enforced: true });
    expect(progress.covered).toBe(1);
    expect(progress.reviewers.find((r) => r.name === "carol")).toMatchObject({ leased: 1, reviewedTraces: 0 });
    expect(progress.reviewers.find((r) => r.name === "alice")).toMatchObject({ reviewedTraces: 1 });
  });

  it("the review queue hands out slots: carol's leased trace, and nothing once every other trace is full", async () => {
    const next = await nextInQueue({ dataset: "overlap-a", user: "carol" });
    expect(next.traceId).toBe(data.traces[1].id);
    expect(next.reason).toBe("a free review slot (2 of 2 reviewers)");
    const after = await nextInQueue({ dataset: "overlap-a", user: "carol", after: data.traces[1].id });
    expect(after.traceId).toBeNull();
    expect(after.reason).toMatch(/every trace of "overlap-a" has its 2 reviewers/);
    const alice = await nextInQueue({ dataset: "overlap-a", user: "alice" });
    expect(alice.reason).toMatch(/^assigned to you/);
  });

  it("blind: a reviewer reads only their own labels; an admin reads all", async () => {
    const asAlice = await getTrace(data.traces[0].id, people.alice);
    expect(new Set(asAlice.reviews.map((r) => r.user))).toEqual(new Set(["alice"]));
    const asBoss = await getTrace(data.traces[0].id, people.boss);
    expect(new Set(asBoss.reviews.map((r) => r.user))).toEqual(new Set(["alice", "bob"]));
  });
});

describe("disagreement, adjudication, gold", () => {
  beforeAll(async () => {
    await label("alice", step(0, 1), "reject");
    await label("bob", step(0, 1), "accept");
    await label("alice", step(0, 2), "accept");
    await label("bob", step(0, 2), "reject");
  });

  it("the queue lists the steps where reviewers disagree, with each reviewer's label", async () => {
    const queue = await adjudicationQueue({ dataset: "overlap-a", status: "open", limit: 100 });
    expect(queue.open).toBe(2);
    expect(queue.items.map((i) => i.stepId)).toEqual([step(0, 1), step(0, 2)]);
    expect(queue.items[0].labels.map((l) => `${l.user}:${l.label}`).sort()).toEqual(["alice:reject", "bob:accept"]);
  });

  it("calibration before adjudication: the two disagreeing steps are ties", async () => {
    const report = await getCalibration(calibrationQuery.parse({ dataset: "overlap-a" }));
    expect(report.labels.ties).toBe(2);
    expect([report.steps.tp, report.steps.tn]).toEqual([0, 1]);
  });

  it("the admin's decision becomes the gold label with provenance and an audit row; calibration and exports use it", async () => {
    const item = await adjudicateStep(step(0, 1), { label: "reject", comment: "the detector output is wrong" }, people.boss);
    expect(item.gold).toMatchObject({ user: "boss", label: "reject", comment: "the detector output is wrong" });
    expect(item.gold!.overrode.map((l) => `${l.user}:${l.label}`)).toEqual(["bob:accept"]);
    const queue = await adjudicationQueue({ dataset: "overlap-a", status: "all", limit: 100 });
    expect([queue.open, queue.resolved]).toEqual([1, 1]);
    const audit = await db().auditLog.findFirstOrThrow({ where: { action: "review.adjudicate", entityId: String(step(0, 1)) } });
    expect(audit.after).toMatchObject({ label: "reject", overrode: [{ user: "bob", label: "accept" }] });

    const gold = await getCalibration(calibrationQuery.parse({ dataset: "overlap-a" }));
    expect(gold.labels.ties).toBe(1);
    expect([gold.steps.tp, gold.steps.tn]).toEqual([1, 1]);
    const reviewersOnly = await getCalibration(calibrationQuery.parse({ dataset: "overlap-a", source: "human" }));
    expect(reviewersOnly.labels.ties).toBe(2);
    const bobOnly = await getCalibration(calibrationQuery.parse({ dataset: "overlap-a", reviewer: "bob" }));
    expect(bobOnly.steps.fp).toBe(1); // bob's own accept of the failed step still counts as his

    const rows = await db().review.findMany({ where: { stepId: step(0, 1), current: true }, select: { stepId: true, label: true, source: true, userId: true, revision: true } });
    expect(resolveHuman(rows)).toEqual({ value: "bad", source: "gold" });
  });

  it("deciding again replaces the gold label; a step nobody labelled cannot be adjudicated", async () => {
    await adjudicateStep(step(0, 1), { label: "accept" }, people.boss);
    expect(await db().review.count({ where: { stepId: step(0, 1), source: "gold", current: true } })).toBe(1);
    const error = await adjudicateStep(step(1, 0), { label: "accept" }, people.boss).catch((e: unknown) => e);
    expect((error as AppError).code).toBe("conflict");
  });

  it("the agreement report: α, κ, AC1, raw agreement over shared steps, per reviewer and per trace", async () => {
    const report = await agreementReport("overlap-a");
    // 3 shared steps, one agreement: raw 1/3; alice (+1,−1,+1) vs bob (+1,+1,−1)
    expect(report.steps.units).toBe(3);
    expect(report.steps.raw.value).toBeCloseTo(1 / 3, 12);
    expect(report.steps.pairs).toEqual([expect.objectContaining({ a: "alice", b: "bob", n: 3 })]);
    expect(report.steps.alphaNominal.value).not.toBeNull();
    expect(report.perTrace).toEqual([expect.objectContaining({ traceId: data.traces[0].id, steps: 3, agreed: 1, reviewers: ["alice", "bob"] })]);
    const alice = report.reviewers.find((r) => r.rater === "alice")!;
    // alice vs the verifier: accept/pass, reject/fail, accept/pass → 3 of 3
    expect(alice.verifier).toMatchObject({ n: 3, agree: 3, raw: 1 });
    expect(alice.consensus).toMatchObject({ n: 3, agree: 1 });
  });
});
