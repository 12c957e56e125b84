import type Database from "better-sqlite3";
import { prepare, sqlite, writeTransaction } from "@/lib/db";

// Undoing an import whose write pass did not finish (docs/design.md §8). The write pass commits
// in short chunks, and every row it creates carries the import's id (`importId`), so a failed
// import — or, through lib/recovery, one whose process was killed — is removed whole: traces
// first (their steps, reviews and scores cascade), then the boxes, scenes (objects cascade),
// questions (relations cascade) and images it created, and last the dataset if the import
// created it and nothing else lives in it. Each batch is its own short write transaction with the
// event loop free between them, like the write pass itself; a crash in the middle leaves rows
// that the next call (recovery) finds by the same id.

const BATCH = 500;

/** Children first: a row is deleted only after every row of the import that points at it. */
const TABLES = ["Trace", "Box", "Scene", "Question", "Image"] as const;

/** Rows the import still owns, per table (the `doctor` report). */
export function importRowCounts(handle: Database.Database, importId: number): Record<(typeof TABLES)[number], number> {
  const counts = {} as Record<(typeof TABLES)[number], number>;
  for (const table of TABLES) counts[table] = (prepare(handle, `SELECT COUNT(*) AS "n" FROM "${table}" WHERE "importId" = ?`).get(importId) as { n: number }).n;
  return counts;
}

/** Imports that are not running (failed, or `done` by a dry run) but still own rows. */
export async function importsWithRows(): Promise<number[]> {
  const handle = await sqlite();
  const rows = prepare(
    handle,
    TABLES.map((table) => `SELECT DISTINCT t."importId" AS "id" FROM "${table}" t JOIN "Import" i ON i."id" = t."importId" WHERE i."status" = 'failed'`).join(" UNION "),
  ).all() as Array<{ id: number }>;
  return rows.map((r) => r.id);
}

/** Removes every row the import created, in bounded batches; returns how many rows went. */
export async function removeImportRows(importId: number, batch = BATCH): Promise<number> {
  let removed = 0;
  for (const table of TABLES) {
    for (;;) {
      const n = await writeTransaction((handle) =>
        prepare(handle, `DELETE FROM "${table}" WHERE "id" IN (SELECT "id" FROM "${table}" WHERE "importId" = ? LIMIT ${batch})`).run(importId).changes,
      );
      if (n === 0) break;
      removed += n;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  removed += await writeTransaction((handle) => {
    // the dataset only when this import created it and nothing (another import's rows) is left in it
    const empty = ["Trace", "Scene", "Question", "Image", "VerifierRun"].map((table) => `NOT EXISTS (SELECT 1 FROM "${table}" WHERE "datasetId" = d."id")`).join(" AND ");
    return prepare(handle, `DELETE FROM "Dataset" WHERE "id" IN (SELECT d."id" FROM "Dataset" d WHERE d."importId" = ? AND ${empty})`).run(importId).changes;
  });
  return removed;
}
