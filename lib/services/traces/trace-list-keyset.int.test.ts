import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { listTraces } from "@/lib/services/traces/trace-list";
import { getTrace } from "@/lib/services/traces/traces";
import { recordStepLabel } from "@/lib/services/review/reviews";

// Keyset pages of the trace list on either database (runs on SQLite and on PostgreSQL, where the
// quality orders are answered by two index-following statements instead of one sort): every order
// walked page by page gives exactly the rows, once each, in the order computed here — ties in
// quality broken by id, unverified traces last — whatever the page size. Data is written through
// Prisma only, so the file needs no other area (imports, verifier) to be on the database.

interface Row {
  id: number;
  quality: number | null;
  question: string;
  failingRules: string | null;
}

let rows: Row[] = [];

beforeAll(async () => {
  const dataset = await db().dataset.create({ data: { name: "keyset" } });
  const other = await db().dataset.create({ data: { name: "keyset-other" } });
  // qualities with many ties and nulls, ids not in quality order
  const qualities = [0.5, null, 0.2, 0.5, 0.9, null, 0.2, 0.5, 0.7, 0.2, null, 0.9, 0.5, 0.1, 0.7, 0.5, null, 0.3, 0.2, 0.9, 0.5, 0.6, null, 0.5, 0.2, 0.8, 0.5];
  for (const [i, quality] of qualities.entries()) {
    await db().trace.create({
      data: {
        datasetId: dataset.id, externalId: `k${i}`, question: i % 4 === 0 ? `Is the BALL left of the cube? (${i})` : `How many spheres? (${i})`, format: "canonical",
        contentHash: `h${i}`, raw: "{}", stepCount: 1, quality, valid: quality === null ? null : quality >= 0.5, failingRules: i % 3 === 0 ? ",result.reexec," : null,
        steps: { create: [{ index: 0, kind: "answer", text: "2" }] },
      },
    });
  }
  await db().trace.create({ data: { datasetId: other.id, externalId: "x", question: "other", format: "canonical", contentHash: "x", raw: "{}", stepCount: 0, quality: 0.5 } });
  rows = await db().trace.findMany({ where: { datasetId: dataset.id }, select: { id: true, quality: true, question: true, failingRules: true } });
});

function expected(sort: "id" | "-id" | "quality" | "-quality", keep: (r: Row) => boolean = () => true): number[] {
  const list = rows.filter(keep);
  const byQuality = (dir: number) => (a: Row, b: Row) =>
    (a.quality === null ? 1 : 0) - (b.quality === null ? 1 : 0) || (a.quality !== null && b.quality !== null ? dir * (a.quality - b.quality) : 0) || a.id - b.id;
  if (sort === "id") list.sort((a, b) => a.id - b.id);
  if (sort === "-id") list.sort((a, b) => b.id - a.id);
  if (sort === "quality") list.sort(byQuality(1));
  if (sort === "-quality") list.sort(byQuality(-1));
  return list.map((r) => r.id);
}

async function walk(filters: Omit<Parameters<typeof listTraces>[0], "cursor">): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let cursor: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await listTraces({ ...filters, cursor });
    pages++;
    ids.push(...page.items.map((t) => t.id));
    if (page.nextCursor === null) return { ids, pages };
    expect(page.items).toHaveLength(filters.limit);
    cursor = page.nextCursor;
    if (pages > 100) throw new Error("the cursor does not advance");
  }
}

describe("trace list keyset pages", () => {
  for (const sort of ["id", "-id", "quality", "-quality"] as const) {
    it(`sort ${sort}: every page size gives every row once, in order`, async () => {
      for (const limit of [1, 4, 5, 26, 27, 50]) {
        const { ids, pages } = await walk({ dataset: "keyset", sort, limit });
        expect(ids).toEqual(expected(sort));
        expect(pages).toBe(Math.max(1, Math.ceil(rows.length / limit)));
      }
    });
  }

  it("filters combine with the quality order: failing rule, quality range, text (any case, wildcards literal)", async () => {
    expect((await walk({ dataset: "keyset", sort: "-quality", rule: "result.reexec", limit: 3 })).ids).toEqual(expected("-quality", (r) => r.failingRules !== null));
    expect((await walk({ dataset: "keyset", sort: "quality", qmin: 0.2, qmax: 0.5, limit: 4 })).ids).toEqual(expected("quality", (r) => r.quality !== null && r.quality >= 0.2 && r.quality <= 0.5));
    expect((await walk({ dataset: "keyset", sort: "-quality", q: "ball LEFT", limit: 2 })).ids).toEqual(expected("-quality", (r) => /ball left/i.test(r.question)));
    expect((await listTraces({ dataset: "keyset", q: "100%_", limit: 10 })).total).toBe(0);
    const all = await listTraces({ dataset: "keyset", limit: 5 });
    expect(all.total).toBe(rows.length);
    expect(all.totalCapped).toBe(false);
  });

  it("the trace page reads a trace with its steps and the label just written", async () => {
    const id = expected("quality")[0];
    const before = await getTrace(id);
    expect(before.steps).toHaveLength(1);
    expect(before.dataset.name).toBe("keyset");
    await recordStepLabel(before.steps[0].id, { label: "reject", expectedVersion: before.steps[0].version, stopAtFirstError: false, user: "kim" });
    const after = await getTrace(id);
    expect(after.reviews.map((r) => [r.label, r.user, r.source])).toEqual([["reject", "kim", "human"]]);
    expect(after.steps[0].version).toBe(before.steps[0].version + 1);
    expect(Number.isNaN(Date.parse(after.reviews[0].createdAt))).toBe(false);
    // a stale version is a conflict, not an overwrite
    await expect(recordStepLabel(before.steps[0].id, { label: "accept", expectedVersion: before.steps[0].version, stopAtFirstError: false, user: "kim" })).rejects.toThrow(/changed since you loaded it/);
    expect((await listTraces({ dataset: "keyset", label: "complete", limit: 5 })).items.map((t) => t.id)).toEqual([id]);
  });
});
