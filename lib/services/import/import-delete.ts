import { db } from "@/lib/db";
import { all, get, run, writeProgram, type Param } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { ImportContentsDto } from "@/lib/schemas/imports";
import { removeUnreferencedImages } from "@/lib/services/import/image-store";
import { removeImportRows } from "@/lib/services/import/import-rollback";
import { refreshDisagreements } from "@/lib/services/review/reviews";

// Deleting an import: every row it created carries its id (importId on Trace, Review, Scene,
// Question, Image, Box — prisma/schema.prisma). Its traces go in batches (each its own short write
// transaction, the event loop free in between; the foreign keys cascade to steps, revisions,
// verdicts, scores and reviews), then its imported labels and boxes, then the scenes, questions and
// images it created that nothing else still uses — a scene another import's traces point at stays,
// and is reported as kept. The dataset stays (delete it on its own). A failed import's leftover rows
// go through the rollback's removal (import-rollback.ts removeImportRows, one way to remove a
// failed import); a dry run wrote nothing. Either way deleting it then removes its history row. A done import's row stays in the history
// with status `deleted`. If the process dies midway, deleting again finishes the job. Both dialects
// (statement programs, lib/db/sql.ts).

const BATCH = 500;

interface ImportRow {
  id: number;
  status: string;
  dryRun: boolean;
  datasetName: string | null;
}

async function importRow(id: number): Promise<ImportRow> {
  const row = await db().import.findUnique({ where: { id }, select: { id: true, status: true, dryRun: true, datasetName: true } });
  if (!row) throw new AppError("not_found", `import ${id} not found`);
  return row;
}

/** Scenes of the import that a trace of another import (or of none recorded) still uses. */
const SCENE_IN_USE = `EXISTS (SELECT 1 FROM "Trace" t WHERE t."sceneId" = s."id" AND t."importId" IS DISTINCT FROM ?)`;
const QUESTION_IN_USE = `EXISTS (SELECT 1 FROM "Trace" t WHERE t."questionId" = q."id" AND t."importId" IS DISTINCT FROM ?)`;
const IMAGE_IN_USE = `(EXISTS (SELECT 1 FROM "Trace" t WHERE t."imageId" = i."id" AND t."importId" IS DISTINCT FROM ?)
  OR EXISTS (SELECT 1 FROM "Scene" s WHERE s."imageId" = i."id" AND s."importId" IS DISTINCT FROM ?)
  OR EXISTS (SELECT 1 FROM "Question" q WHERE q."imageId" = i."id" AND q."importId" IS DISTINCT FROM ?)
  OR EXISTS (SELECT 1 FROM "Box" b WHERE b."imageId" = i."id" AND b."importId" IS DISTINCT FROM ?))`;

/** What deleting the import removes, and what it keeps because other rows use it (shown before the user confirms). */
export async function importContents(id: number): Promise<ImportContentsDto> {
  const row = await importRow(id);
  return writeProgram(function* () {
    const one = function* (text: string, ...params: Param[]) {
      return Number((yield* get<{ n: number | null }>(text, ...params))?.n ?? 0);
    };
    const traces = yield* one(`SELECT COUNT(*) AS n FROM "Trace" WHERE "importId" = ?`, id);
    const steps = yield* one(`SELECT SUM("stepCount") AS n FROM "Trace" WHERE "importId" = ?`, id);
    const labels = yield* one(`SELECT COUNT(*) AS n FROM "Review" WHERE "importId" = ?`, id);
    const boxes = yield* one(`SELECT COUNT(*) AS n FROM "Box" WHERE "importId" = ?`, id);
    const scenes = yield* one(`SELECT COUNT(*) AS n FROM "Scene" s WHERE s."importId" = ?`, id);
    const keptScenes = yield* one(`SELECT COUNT(*) AS n FROM "Scene" s WHERE s."importId" = ? AND ${SCENE_IN_USE}`, id, id);
    const questions = yield* one(`SELECT COUNT(*) AS n FROM "Question" q WHERE q."importId" = ?`, id);
    const keptQuestions = yield* one(`SELECT COUNT(*) AS n FROM "Question" q WHERE q."importId" = ? AND ${QUESTION_IN_USE}`, id, id);
    const images = yield* one(`SELECT COUNT(*) AS n FROM "Image" i WHERE i."importId" = ?`, id);
    const keptImages = yield* one(`SELECT COUNT(*) AS n FROM "Image" i WHERE i."importId" = ? AND ${IMAGE_IN_USE}`, id, id, id, id, id);
    return {
      id,
      dataset: row.datasetName,
      status: row.status,
      dryRun: row.dryRun,
      traces,
      steps,
      labels,
      boxes,
      scenes: scenes - keptScenes,
      questions: questions - keptQuestions,
      images: images - keptImages,
      kept: { scenes: keptScenes, questions: keptQuestions, images: keptImages },
    };
  });
}

/** Deletes what the import created. `confirm` must be the import's id (the API's confirmation). */
export async function deleteImport(id: number, confirm: string | number, onProgress?: (done: number, total: number) => void): Promise<ImportContentsDto & { deleted: true }> {
  if (String(confirm).trim() !== String(id)) {
    throw new AppError("invalid_input", `to delete import ${id}, confirm with its id`, [{ path: "confirm", error: `expected "${id}"` }]);
  }
  const row = await importRow(id);
  if (row.status === "running") throw new AppError("conflict", `import ${id} is still running; wait for it to finish (or fail) before deleting it`);
  const contents = await importContents(id);
  if (row.status !== "done" || row.dryRun) {
    // a failed import's rows are the rollback's (lib/services/import/import-rollback.ts: what a
    // killed or failed write pass left); then the history row is all there is
    if (row.status === "failed") await removeImportRows(id);
    await db().import.delete({ where: { id } });
    return { ...contents, deleted: true };
  }
  let done = 0;
  const touched = new Set<number>();
  for (;;) {
    const removed = await writeProgram(function* () {
      return (yield* run(`DELETE FROM "Trace" WHERE "id" IN (SELECT "id" FROM "Trace" WHERE "importId" = ? LIMIT ${BATCH})`, id)).changes;
    });
    if (removed === 0) break;
    done += removed;
    onProgress?.(done, contents.traces);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const imagePaths = await writeProgram(function* () {
    for (const r of yield* all<{ traceId: number }>(`SELECT DISTINCT "traceId" FROM "Review" WHERE "importId" = ?`, id)) touched.add(r.traceId);
    yield* run(`DELETE FROM "Review" WHERE "importId" = ?`, id);
    yield* run(`DELETE FROM "Box" WHERE "importId" = ?`, id);
    yield* run(`DELETE FROM "Scene" AS s WHERE s."importId" = ? AND NOT ${SCENE_IN_USE}`, id, id);
    yield* run(`DELETE FROM "Question" AS q WHERE q."importId" = ? AND NOT ${QUESTION_IN_USE}`, id, id);
    const paths = (yield* all<{ path: string }>(`SELECT i."path" FROM "Image" i WHERE i."importId" = ? AND i."path" IS NOT NULL AND NOT ${IMAGE_IN_USE}`, id, id, id, id, id)).map((r) => r.path);
    yield* run(`DELETE FROM "Image" AS i WHERE i."importId" = ? AND NOT ${IMAGE_IN_USE}`, id, id, id, id, id);
    yield* run(`UPDATE "Import" SET "status" = 'deleted' WHERE "id" = ?`, id);
    return paths;
  });
  // labels gone from traces that stay: their disagreement counts follow
  await refreshDisagreements(db(), [...touched]);
  // the image store is content-addressed and shared: only files no row references any more go
  if (imagePaths.length) {
    await removeUnreferencedImages(imagePaths, async (paths) => new Set((await db().image.findMany({ where: { path: { in: paths } }, select: { path: true } })).map((r) => r.path!))).catch(() => 0);
  }
  return { ...contents, deleted: true };
}
