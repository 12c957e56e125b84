import type Database from "better-sqlite3";
import { prepare } from "@/lib/db";
import { run, sql, writeProgram } from "@/lib/db/sql";

// Undoing an import whose write pass did not finish (docs/design.md §8). The write pass commits
// in short chunks, and every row it creates carries the import's id (`importId`), so a failed
// import — or, through lib/recovery, one whose process was killed — is removed whole: the labels
// it wrote (also on older traces), then its traces (their steps, reviews and scores cascade), then the boxes, scenes (objects cascade),
// questions (relations cascade) and images it created, and last the dataset if the import
// created it and nothing else lives in it. Each batch is its own short write transaction with the
// event loop free between them, like the write pass itself; a crash in the middle leaves rows
// that the next call (recovery) finds by the same id. Both dialects (lib/db/sql.ts).

const BATCH = 500;

/** Children first: a row is deleted only after every row of the import that points at it. */
const TABLES = ["Review", "Trace", "Box", "Scene", "Question", "Image"] as const;

export type ImportRowCounts = Record<(typeof TABLES)[number], number>;

const countOwned = (table: string) => `SELECT COUNT(*) AS "n" FROM "${table}" WHERE "importId" = ?`;

/** Rows the import still owns, per table (the `doctor` report). SQLite handle; `ownedRowCounts` on both dialects. */
export function importRowCounts(handle: Database.Database, importId: number): ImportRowCounts {
  const counts = {} as ImportRowCounts;
  for (const table of TABLES) counts[table] = (prepare(handle, countOwned(table)).get(importId) as { n: number }).n;
  return counts;
}

/** Rows the import still owns, per table, on either dialect. */
export async function ownedRowCounts(importId: number): Promise<ImportRowCounts> {
  const q = await sql();
  const counts = {} as ImportRowCounts;
  for (const table of TABLES) counts[table] = (await q.get<{ n: number }>(countOwned(table), [importId]))!.n;
  return counts;
}

/** Imports that are not running (failed, or `done` by a dry run) but still own rows. */
export async function importsWithRows(): Promise<number[]> {
  const q = await sql();
  const rows = await q.all<{ id: number }>(
    TABLES.map((table) => `SELECT DISTINCT t."importId" AS "id" FROM "${table}" t JOIN "Import" i ON i."id" = t."importId" WHERE i."status" = 'failed'`).join(" UNION "),
  );
  return rows.map((r) => r.id);
}

/** Removes every row the import created, in bounded batches; returns how many rows went. */
export async function removeImportRows(importId: number, batch = BATCH): Promise<number> {
  let removed = 0;
  const limit = Math.max(1, Math.trunc(batch));
  for (const table of TABLES) {
    for (;;) {
      const n = await writeProgram(function* () {
        return (yield* run(`DELETE FROM "${table}" WHERE "id" IN (SELECT "id" FROM "${table}" WHERE "importId" = ? LIMIT ${limit})`, importId)).changes;
      });
      if (n === 0) break;
      removed += n;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  removed += await writeProgram(function* () {
    // the dataset only when this import created it and nothing (another import's rows) is left in it
    const empty = ["Trace", "Scene", "Question", "Image", "VerifierRun"].map((table) => `NOT EXISTS (SELECT 1 FROM "${table}" WHERE "datasetId" = d."id")`).join(" AND ");
    return (yield* run(`DELETE FROM "Dataset" WHERE "id" IN (SELECT d."id" FROM "Dataset" d WHERE d."importId" = ? AND ${empty})`, importId)).changes;
  });
  return removed;
}
