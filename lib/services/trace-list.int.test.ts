import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordStepLabel } from "@/lib/services/reviews";
import { seedDemo } from "@/lib/services/seed";
import { listTraces, nextInQueue, traceFacets } from "@/lib/services/trace-list";

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
    expect((await page({ dataset: "visprog-gqa", decision: "accept", limit: 50 })).total).toBe(34);
    expect((await page({ dataset: "visprog-gqa", decision: "reject", limit: 50 })).total).toBe(66);
    expect((await page({ dataset: "clevr-demo", decision: "none", limit: 50 })).total).toBe(36);

    const target = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } }, include: { steps: { orderBy: { index: "asc" }, take: 1 } } });
    await recordStepLabel(target.steps[0].id, { label: "accept", expectedVersion: target.steps[0].version, stopAtFirstError: false, user: "mira" });
    expect((await page({ reviewer: "mira", limit: 50 })).items.map((t) => t.id)).toEqual([target.id]);
    expect((await page({ dataset: "clevr-demo", label: "partial", limit: 50 })).items.map((t) => t.id)).toEqual([target.id]);
    expect((await page({ dataset: "clevr-demo", label: "unlabeled", limit: 50 })).total).toBe(35);
    expect((await page({ q: "furniture", limit: 50 })).items.every((t) => /furniture/i.test(t.question))).toBe(true);
  });

  it("filters by the denormalised verifier columns", async () => {
    const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "asc" }, take: 3 });
    await db().trace.update({ where: { id: traces[0].id }, data: { quality: 0.9, valid: true, failingRules: null } });
    await db().trace.update({ where: { id: traces[1].id }, data: { quality: 0.4, valid: false, failingRules: ",result.reexec,cross.answer," } });
    await db().trace.update({ where: { id: traces[2].id }, data: { quality: 0.55, valid: false, failingRules: ",cross.answer," } });
    expect((await page({ dataset: "clevr-demo", rule: "result.reexec", limit: 50 })).items.map((t) => t.id)).toEqual([traces[1].id]);
    expect((await page({ dataset: "clevr-demo", rule: "cross.answer", limit: 50 })).total).toBe(2);
    expect((await page({ dataset: "clevr-demo", qmin: 0.5, limit: 50 })).items.map((t) => t.id)).toEqual([traces[0].id, traces[2].id]);
    expect((await page({ dataset: "clevr-demo", valid: "true", limit: 50 })).items.map((t) => t.id)).toEqual([traces[0].id]);
  });

  it("facets list what can be filtered", async () => {
    const facets = await traceFacets("visprog-gqa");
    expect(facets.datasets).toEqual(["clevr-demo", "visprog-gqa"]);
    expect(facets.methods).toEqual(["direct"]);
  });
});

describe("nextInQueue", () => {
  it("prefers disagreements, then quality nearest the threshold, and skips what the reviewer labelled", async () => {
    const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "asc" }, take: 5 });
    await db().trace.update({ where: { id: traces[4].id }, data: { quality: 0.52 } });
    const near = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(near.traceId).toBe(traces[4].id);
    expect(near.reason).toMatch(/near the threshold/);

    await db().trace.update({ where: { id: traces[3].id }, data: { disagreements: 2 } });
    const disagreement = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(disagreement.traceId).toBe(traces[3].id);
    expect(disagreement.progress.total).toBe(36);

    const step = await db().step.findFirstOrThrow({ where: { traceId: traces[3].id, index: 0 } });
    await recordStepLabel(step.id, { label: "reject", expectedVersion: step.version, stopAtFirstError: false, user: "queue-user" });
    const next = await nextInQueue({ dataset: "clevr-demo", user: "queue-user" });
    expect(next.traceId).toBe(traces[4].id);
    expect(next.progress.byYou).toBe(1);
  });
});
