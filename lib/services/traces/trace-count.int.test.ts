import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { bulkApplyBody } from "@/lib/schemas/bulk";
import { deleteImport } from "@/lib/services/import/import-delete";
import { removeImportRows } from "@/lib/services/import/import-rollback";
import { importFiles } from "@/lib/services/import/imports";
import { applyBulk } from "@/lib/services/review/bulk";
import { recordStepLabel, recordTraceDecision, undoLastAction } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
import { deleteDataset } from "@/lib/services/traces/dataset-admin";
import { nextInQueue } from "@/lib/services/traces/trace-list";

// TraceCount (the review queue's progress total) is kept by triggers on Trace: after every kind of
// write it must equal a count of the traces, per dataset — seeding, imports, review actions (which
// update traces but add or remove none), a bulk action and its undo, an import's rollback in
// batches, deleting an import, a move between datasets, deleting a dataset (a cascade).

const DEMO = path.resolve("prisma/demo/clevr");
const TRACES = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");

/** Every dataset's TraceCount row against a count of its traces (a row left for a dataset with none says 0). */
async function expectExact(): Promise<void> {
  const counted = new Map((await db().trace.groupBy({ by: ["datasetId"], _count: { _all: true } })).map((g) => [g.datasetId, g._count._all]));
  const kept = new Map((await db().traceCount.findMany()).map((c) => [c.datasetId, c.traces]));
  expect(counted.size).toBeGreaterThan(0);
  for (const [datasetId, traces] of counted) expect({ datasetId, traces: kept.get(datasetId) }).toEqual({ datasetId, traces });
  for (const [datasetId, traces] of kept) if (!counted.has(datasetId)) expect({ datasetId, traces }).toEqual({ datasetId, traces: 0 });
}

const imports: Record<string, number> = {};
const total = async (dataset: string) => (await nextInQueue({ dataset, user: "counter" })).progress.total;

beforeAll(async () => {
  await seedDemo({ force: true });
});

describe("TraceCount", () => {
  it("counts the seeded datasets, and the queue's total is it", async () => {
    await expectExact();
    expect(await total("clevr-demo")).toBe(await db().trace.count({ where: { dataset: { name: "clevr-demo" } } }));
    expect((await nextInQueue({ user: "counter" })).progress.total).toBe(await db().trace.count());
    expect(await total("no-such-dataset")).toBe(0);
  });

  it("stays exact through imports, review actions, a bulk action and its undo", async () => {
    for (const dataset of ["count-a", "count-b"]) imports[dataset] = (await importFiles({ files: [TRACES], dataset, imagesDir: DEMO })).importId!;
    await expectExact();
    expect(await total("count-a")).toBe(2);

    const trace = await db().trace.findFirstOrThrow({ where: { importId: imports["count-a"] }, include: { steps: { orderBy: { index: "asc" } } } });
    await recordStepLabel(trace.steps[0].id, { label: "reject", expectedVersion: trace.steps[0].version, stopAtFirstError: false, user: "counter" });
    await recordTraceDecision(trace.id, { decision: "accept", expectedVersion: (await db().trace.findUniqueOrThrow({ where: { id: trace.id } })).version, user: "counter" });
    await undoLastAction({ user: "counter", traceId: trace.id });
    const bulk = await applyBulk(bulkApplyBody.parse({ filter: { dataset: "clevr-demo" }, action: { kind: "accept_passed_steps" } }), { user: "counter" });
    expect(bulk.items).toBeGreaterThan(0);
    await undoLastAction({ user: "counter", bulk: bulk.id });
    await expectExact();
    expect(await total("count-a")).toBe(2);
  });

  it("stays exact through a rollback in batches, deleting an import, a move and deleting a dataset", async () => {
    expect(await removeImportRows(imports["count-b"], 1)).toBeGreaterThan(0);
    await expectExact();
    expect(await total("count-b")).toBe(0);

    await deleteImport(imports["count-a"], String(imports["count-a"]));
    await expectExact();
    expect(await total("count-a")).toBe(0);

    // no service moves a trace between datasets; the trigger keeps a raw one exact too
    const [from, to] = await Promise.all(["clevr-demo", "visprog-gqa"].map((name) => db().dataset.findUniqueOrThrow({ where: { name } })));
    const moved = await db().trace.findFirstOrThrow({ where: { datasetId: from.id }, select: { id: true } });
    await (await sql()).run(`UPDATE "Trace" SET "datasetId" = ? WHERE "id" = ?`, [to.id, moved.id]);
    await expectExact();

    await deleteDataset("clevr-demo", "clevr-demo");
    await expectExact();
    expect(await total("clevr-demo")).toBe(0);
  });
});
