import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { queueReason } from "@/lib/review/queue-reason";
import { recordStepLabel, recordTraceDecision } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
import { listDatasets } from "@/lib/services/traces/datasets";
import { listTraces, nextInQueue, traceFacets } from "@/lib/services/traces/trace-list";

const page = (filters: Parameters<typeof listTraces>[0]) => listTraces(filters);

beforeAll(async () => {
  await seedDemo({ force: true });
});

describe("listTraces filters", () => {
  it("pages with a keyset cursor over exactly the filtered rows", async () => {
    const first = await page({ dataset: "visprog-gqa", limit: 40 });
    expect(first.total).toBe(100);
    expect(first.items).toHaveLength(40);
    const second = await page({ dataset: "visprog-gqa", limit: 40, cursor: first.nextCursor! });
    const third = await page({ dataset: "visprog-gqa", limit: 40, cursor: second.nextCursor! });
    expect(third.items).toHaveLength(20);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((t) => t.id);
    expect(new Set(ids).size).toBe(100);
  });

  it("filters by human decision, reviewer, label state and text", async () => {
    const demo = await db().trace.count({ where: { dataset: { name: "clevr-demo" } } });
    expect((await page({ dataset: "visprog-gqa", decision: "accept", limit: 50 })).total).toBe(34);
    expect((await page({ dataset: "visprog-gqa", decision: "reject", limit: 50 })).total).toBe(66);
    expect((await page({ dataset: "clevr-demo", decision: "none", limit: 50 })).total).toBe(demo);

    const target = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } }, include: { steps: { orderBy: { index: "asc" }, take: 1 } } });
    await recordStepLabel(target.steps[0].id, { label: "accept", expectedVersion: target.steps[0].version, stopAtFirstError: false, user: "mira" });
    expect((await page({ reviewer: "mira", limit: 50 })).items.map((t) => t.id)).toEqual([target.id]);
    expect((await page({ dataset: "clevr-demo", label: "partial", limit: 50 })).items.map((t) => t.id)).toEqual([target.id]);
    expect((await page({ dataset: "clevr-demo", label: "unlabeled", limit: 50 })).total).toBe(demo - 1);
    expect((await page({ q: "furniture", limit: 50 })).items.every((t) => /furniture/i.test(t.question))).toBe(true);
  });

  it("filters by the latest verifier run: failing rule, validity, quality range", async () => {
    const run = await db().verifierRun.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "desc" } });
    const failing = await db().verdict.findMany({ where: { runId: run.id, rule: "reasoning.claims", outcome: "fail" }, distinct: ["traceId"], select: { traceId: true }, orderBy: { traceId: "asc" } });
    expect(failing.length).toBeGreaterThan(0);
    const byRule = await page({ dataset: "clevr-demo", rule: "reasoning.claims", limit: 200 });
    expect(byRule.items.map((t) => t.id)).toEqual(failing.map((f) => f.traceId));
    // each row carries its failing steps and rules, as the run's verdicts say
    const first = byRule.items[0];
    const verdicts = await db().verdict.findMany({ where: { runId: run.id, traceId: first.id, outcome: "fail" }, select: { rule: true, stepId: true } });
    expect(first.failingRules).toEqual([...new Set(verdicts.map((v) => v.rule))].sort());
    expect(first.failingSteps).toBe(new Set(verdicts.map((v) => v.stepId)).size);
    expect(first.valid).toBe(false);

    const valid = await db().trace.count({ where: { dataset: { name: "clevr-demo" }, valid: true } });
    expect((await page({ dataset: "clevr-demo", valid: "true", limit: 200 })).total).toBe(valid);
    const high = await page({ dataset: "clevr-demo", qmin: 0.9, limit: 200 });
    expect(high.items.every((t) => t.quality! >= 0.9)).toBe(true);
    expect(high.total).toBe(await db().trace.count({ where: { dataset: { name: "clevr-demo" }, quality: { gte: 0.9 } } }));
  });

  it("filters by relation class (tagged at import from the question and its program)", async () => {
    const tagged = await db().questionRelation.findMany({ where: { relationClass: "projective", question: { dataset: { name: "clevr-demo" } } }, select: { questionId: true } });
    expect(tagged.length).toBeGreaterThan(0);
    const expected = await db().trace.count({ where: { dataset: { name: "clevr-demo" }, questionId: { in: tagged.map((t) => t.questionId) } } });
    const listed = await page({ dataset: "clevr-demo", relation: "projective", limit: 200 });
    expect(listed.total).toBe(expected);
    expect(listed.items.every((t) => /left|right|front|behind/i.test(t.question))).toBe(true);
  });

  it("facets list what can be filtered", async () => {
    const facets = await traceFacets("clevr-demo");
    expect(facets.datasets).toEqual(["clevr-demo", "photos-demo", "visprog-gqa"]);
    expect(facets.methods.length).toBeGreaterThan(1);
    expect(facets.rules).toContain("reasoning.claims");
  });
});

describe("nextInQueue", () => {
  it("prefers disagreements, then quality nearest the threshold, and skips what the reviewer labelled", async () => {
    const threshold = (await db().verifierConfig.findFirstOrThrow({ orderBy: { version: "desc" } })).threshold;
    // stratified: nobody has reviewed anything yet, so the first relation class (by name) is the
    // least covered, and the queue offers its trace nearest the threshold
    const classes = await db().questionRelation.findMany({ where: { question: { dataset: { name: "clevr-demo" } } }, distinct: ["relationClass"], select: { relationClass: true }, orderBy: { relationClass: "asc" } });
    expect(classes.length).toBeGreaterThan(0);
    const first = classes[0].relationClass;
    const open = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" }, quality: { not: null }, questionRef: { relations: { some: { relationClass: first } } } }, select: { id: true, quality: true } });
    const nearest = [...open].sort((a, b) => Math.abs(a.quality! - threshold) - Math.abs(b.quality! - threshold) || a.id - b.id)[0];
    const near = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(near.traceId).toBe(nearest.id);
    expect(near.reason).toBe(queueReason({ kind: "threshold", quality: nearest.quality!, threshold, relationClass: first }));

    // accepting a step the verifier failed is a disagreement: that trace jumps the queue
    const failed = await db().verdict.findFirstOrThrow({ where: { outcome: "fail", run: { dataset: { name: "clevr-demo" } } }, orderBy: { id: "desc" }, include: { step: true } });
    await recordStepLabel(failed.stepId, { label: "accept", expectedVersion: failed.step.version, stopAtFirstError: false, user: "someone-else" });
    const disagreement = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(disagreement.traceId).toBe(failed.traceId);
    expect(disagreement.reason).toBe(queueReason({ kind: "disagreement", steps: 1 }));

    const step = await db().step.findFirstOrThrow({ where: { traceId: failed.traceId, index: 0 } });
    await recordStepLabel(step.id, { label: "reject", expectedVersion: step.version, stopAtFirstError: false, user: "queue-user" });
    const next = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(next.traceId).not.toBe(failed.traceId);
    expect(next.progress.byYou).toBe(1);
  });
});

describe("nextInQueue over all datasets", () => {
  it("picks the first trace in the queue's order over every dataset, whichever dataset holds it (ids break ties)", async () => {
    // PostgreSQL takes each dataset's first from its index and the first of those: the same trace
    const make = async (dataset: string, externalId: string, disagreements: number) => {
      const { id } = await db().dataset.upsert({ where: { name: dataset }, create: { name: dataset }, update: {} });
      return db().trace.create({ data: { datasetId: id, externalId, question: "How many cubes?", format: "test", contentHash: externalId, raw: "{}", disagreements } });
    };
    await make("all-a", "a1", 998);
    const a2 = await make("all-a", "a2", 999);
    const b1 = await make("all-b", "b1", 1000);
    expect((await nextInQueue({ user: "all-reviewer" })).traceId).toBe(b1.id);
    expect((await nextInQueue({ user: "all-reviewer", after: b1.id })).traceId).toBe(a2.id);
    const a3 = await make("all-a", "a3", 1000);
    const b2 = await make("all-b", "b2", 1000);
    expect((await nextInQueue({ user: "all-reviewer" })).traceId).toBe(b1.id);
    expect((await nextInQueue({ user: "all-reviewer", after: b1.id })).traceId).toBe(a3.id);
    expect(b2.id).toBeGreaterThan(a3.id);
    expect((await nextInQueue({ user: "all-reviewer", after: b1.id })).reason).toBe(queueReason({ kind: "disagreement", steps: 1000 }));
  });
});

describe("nextInQueue counts only reviewers' own work", () => {
  it("a dataset whose traces carry only imported verdicts (VisProg) is not reviewed: the queue offers its traces", async () => {
    const imported = await db().trace.count({ where: { dataset: { name: "visprog-gqa" }, decision: { not: null } } });
    expect(imported).toBe(100); // every VisProg trace carries an imported verdict
    const pick = await nextInQueue({ dataset: "visprog-gqa", user: "visprog-reviewer" });
    expect(pick.traceId).not.toBeNull();
    expect(pick.progress).toEqual({ reviewed: 0, total: 100, byYou: 0 });
    expect(pick.reason).not.toMatch(/^Nothing left/);
    // the datasets overview agrees: nobody has reviewed VisProg yet
    expect((await listDatasets()).find((d) => d.name === "visprog-gqa")?.reviewedTraces).toBe(0);
  });

  it("a reviewer's decision closes a trace; when nothing is left, the reason says why", async () => {
    const dataset = await db().dataset.create({ data: { name: "queue-tiny" } });
    const make = (externalId: string, decision: string | null) =>
      db().trace.create({ data: { datasetId: dataset.id, externalId, question: "How many cubes?", format: "test", contentHash: externalId, raw: "{}", decision, steps: { create: [{ index: 0, kind: "answer", text: "2" }] } } });
    const a = await make("a", "accept"); // an imported-looking decision with no human review behind it
    const b = await make("b", null);
    await db().review.create({ data: { traceId: a.id, userId: (await db().user.upsert({ where: { name: "visprog" }, create: { name: "visprog" }, update: {} })).id, label: "accept", source: "external:visprog" } });

    const first = await nextInQueue({ dataset: "queue-tiny", user: "tiny-reviewer" });
    expect(first.traceId).toBe(a.id); // imported verdict: still open, unverified → import order
    expect(first.reason).toBe(queueReason({ kind: "unverified", datasetVerified: false, relationClass: null }));
    expect(first.progress).toEqual({ reviewed: 0, total: 2, byYou: 0 });

    // another reviewer decides a: it is reviewed now, for everyone
    await recordTraceDecision(a.id, { decision: "reject", expectedVersion: a.version, user: "other-reviewer" });
    const second = await nextInQueue({ dataset: "queue-tiny", user: "tiny-reviewer" });
    expect(second.traceId).toBe(b.id);
    expect(second.progress).toEqual({ reviewed: 1, total: 2, byYou: 0 });

    // on b, with b the only open trace: Next is disabled and says b is the last one
    const onB = await nextInQueue({ dataset: "queue-tiny", user: "tiny-reviewer", after: b.id });
    expect(onB.traceId).toBeNull();
    expect(onB.reason).toBe(queueReason({ kind: "empty", total: 2, reviewed: 1, byYou: 0, onlyCurrentLeft: true }));

    // the reviewer decides b: nothing is left, and the reason explains it
    await recordTraceDecision(b.id, { decision: "accept", expectedVersion: b.version, user: "tiny-reviewer" });
    const done = await nextInQueue({ dataset: "queue-tiny", user: "tiny-reviewer", after: b.id });
    expect(done.traceId).toBeNull();
    expect(done.progress).toEqual({ reviewed: 2, total: 2, byYou: 1 });
    expect(done.reason).toBe(queueReason({ kind: "empty", total: 2, reviewed: 2, byYou: 1, onlyCurrentLeft: false }));
  });
});
