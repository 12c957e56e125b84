import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { runJob, waitForJob } from "@/lib/jobs/jobs";
import { stopBuiltinTeachers } from "@/lib/services/generate/builtin-teacher";
import { startGenerationJob } from "@/lib/services/generate/generation-jobs";
import { deleteImport } from "@/lib/services/import/import-delete";
import { removeImportRows } from "@/lib/services/import/import-rollback";
import { importFiles } from "@/lib/services/import/imports";
import { publishSpareRun } from "@/lib/services/spare/spare-publish";
import { startSpareRun } from "@/lib/services/spare/spare-review";
import { seedDemo } from "@/lib/services/system/seed";
import { deleteDataset } from "@/lib/services/traces/dataset-admin";
import { nextInQueue } from "@/lib/services/traces/trace-list";

// QuestionRelation."datasetId" (the review queue reads a dataset's relation classes by it) is copied
// from the row's question by triggers: after every writer of questions and their tags it must equal
// the question's dataset on every row — seeding, imports (per row and COPY), an import's rollback
// in batches, deleting an import, generation, SpaRE publish, a question moved or retagged, a
// question deleted, a dataset deleted (a cascade).

const DEMO = path.resolve("prisma/demo/clevr");
const TRACES = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");
const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
// questions naming relations (the template questions name none): generation tags them
const QUESTIONS = ['{"image":"CLEVR_train_000000.png","question":"Is there a cube left of the blue thing?"}', '{"image":"CLEVR_train_000001.png","question":"What is behind the red sphere?"}'].join("\n");

/** Every tag row carries its question's dataset; returns the number of tag rows per dataset name. */
async function expectExact(): Promise<Map<string, number>> {
  const q = await sql();
  const wrong = await q.all<{ id: number }>(
    `SELECT qr."id" AS id FROM "QuestionRelation" qr JOIN "Question" q ON q."id" = qr."questionId" WHERE qr."datasetId" IS NULL OR qr."datasetId" <> q."datasetId"`,
  );
  expect(wrong).toEqual([]);
  const rows = await q.all<{ name: string; n: number }>(`SELECT d."name" AS name, COUNT(*) AS n FROM "QuestionRelation" qr JOIN "Dataset" d ON d."id" = qr."datasetId" GROUP BY d."name"`);
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

/** The relation class the queue draws from names one of the dataset's classes (read by the new column). */
async function queueClass(dataset: string): Promise<string | null> {
  const reason = (await nextInQueue({ dataset, user: "tagger" })).reason;
  const classes = (await db().questionRelation.findMany({ where: { question: { dataset: { name: dataset } } }, distinct: ["relationClass"], select: { relationClass: true } })).map((c) => c.relationClass);
  return classes.find((c) => reason?.includes(c)) ?? null;
}

beforeAll(async () => {
  await seedDemo({ force: true });
}, 120_000);

afterAll(() => stopBuiltinTeachers());

describe("QuestionRelation.datasetId", () => {
  it("is set on the seeded tags, and the queue draws from the dataset's first class", async () => {
    const tagged = await expectExact();
    expect(tagged.get("clevr-demo")).toBeGreaterThan(0);
    // no reviews yet: every class is covered 0 times, the first by name is drawn
    const first = (await db().questionRelation.findFirstOrThrow({ where: { question: { dataset: { name: "clevr-demo" } } }, orderBy: { relationClass: "asc" } })).relationClass;
    expect(await queueClass("clevr-demo")).toBe(first);
  });

  it("stays exact through imports, a rollback in batches and deleting an import", async () => {
    const a = (await importFiles({ files: [TRACES], dataset: "tags-a", imagesDir: DEMO })).importId!;
    const b = (await importFiles({ files: [TRACES], dataset: "tags-b", imagesDir: DEMO })).importId!;
    const tagged = await expectExact();
    expect(tagged.get("tags-a")).toBeGreaterThan(0);
    expect(tagged.get("tags-b")).toBe(tagged.get("tags-a"));
    expect(await removeImportRows(b, 1)).toBeGreaterThan(0);
    expect((await expectExact()).get("tags-b")).toBeUndefined();
    await deleteImport(a, String(a));
    expect((await expectExact()).get("tags-a")).toBeUndefined();
  });

  it("stays exact through generation and SpaRE publish", async () => {
    await importFiles({ files: [SCENES], dataset: "tags-gen" });
    const job = await startGenerationJob({ dataset: "tags-gen", questionsFile: { name: "spatial.jsonl", text: QUESTIONS }, teacher: { kind: "builtin", faults: "none" }, method: "direct", concurrency: 2 });
    await waitForJob(job.id);
    expect(await db().trace.count({ where: { dataset: { name: "tags-gen" } } })).toBeGreaterThan(0);
    expect((await expectExact()).get("tags-gen")).toBeGreaterThan(0);

    const captions = [
      { image: "https://example.org/kitchen.jpg", caption: "A red cup sits on the wooden table. A spoon lies to the left of the red cup." },
      { image: "https://example.org/street.jpg", caption: "A bicycle leans against the brick wall under the window." },
    ];
    const started = await startSpareRun({ dataset: "tags-spare", synthesizer: "rules", files: [{ name: "c.jsonl", content: captions.map((c) => JSON.stringify(c)).join("\n") }] });
    expect((await runJob(started.job)).status).toBe("done");
    expect((await publishSpareRun(started.job)).traces).toBeGreaterThan(0);
    expect((await expectExact()).get("tags-spare")).toBeGreaterThan(0);
    expect(await queueClass("tags-spare")).not.toBeNull();
  }, 120_000);

  it("follows a question moved between datasets or retagged onto another question, and goes with a deleted question or dataset", async () => {
    // no service moves or retags a question; the triggers keep raw writes exact too
    const q = await sql();
    const [from, to] = await Promise.all(["clevr-demo", "tags-gen"].map((name) => db().dataset.findUniqueOrThrow({ where: { name } })));
    const moved = await db().question.findFirstOrThrow({ where: { datasetId: from.id, relations: { some: {} } }, select: { id: true } });
    await q.run(`UPDATE "Question" SET "datasetId" = ? WHERE "id" = ?`, [to.id, moved.id]);
    await expectExact();
    const other = await db().question.findFirstOrThrow({ where: { datasetId: from.id, relations: { none: { relation: "zz-retagged" } } }, select: { id: true } });
    const tag = await db().questionRelation.findFirstOrThrow({ where: { questionId: moved.id }, select: { id: true } });
    await q.run(`UPDATE "QuestionRelation" SET "questionId" = ?, "relation" = 'zz-retagged' WHERE "id" = ?`, [other.id, tag.id]);
    await q.run(`UPDATE "QuestionRelation" SET "datasetId" = NULL WHERE "id" = ?`, [tag.id]);
    await expectExact();

    // a question deleted (its tags cascade; its traces first, they reference it)
    await q.run(`DELETE FROM "Trace" WHERE "questionId" = ?`, [moved.id]);
    await q.run(`DELETE FROM "Question" WHERE "id" = ?`, [moved.id]);
    expect(await db().questionRelation.count({ where: { questionId: moved.id } })).toBe(0);
    await expectExact();

    await deleteDataset("clevr-demo", "clevr-demo");
    const tagged = await expectExact();
    expect(tagged.get("clevr-demo")).toBeUndefined();
    expect(await db().questionRelation.count({ where: { datasetId: from.id } })).toBe(0);
  });
});
