import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
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
    expect(facets.datasets).toEqual(["clevr-demo", "visprog-gqa"]);
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
    expect(near.reason).toMatch(new RegExp(`near the threshold.*relation class "${first}"`));

    // accepting a step the verifier failed is a disagreement: that trace jumps the queue
    const failed = await db().verdict.findFirstOrThrow({ where: { outcome: "fail", run: { dataset: { name: "clevr-demo" } } }, orderBy: { id: "desc" }, include: { step: true } });
    await recordStepLabel(failed.stepId, { label: "accept", expectedVersion: failed.step.version, stopAtFirstError: false, user: "someone-else" });
    const disagreement = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(disagreement.traceId).toBe(failed.traceId);
    expect(disagreement.reason).toMatch(/disagree/);

    const step = await db().step.findFirstOrThrow({ where: { traceId: failed.traceId, index: 0 } });
    await recordStepLabel(step.id, { label: "reject", expectedVersion: step.version, stopAtFirstError: false, user: "queue-user" });
    const next = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(next.traceId).not.toBe(failed.traceId);
    expect(next.progress.byYou).toBe(1);
  });
});
