import { all, copy, run, type Param, type Program } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

// The import's bulk path on PostgreSQL (docs/design.md §14, docs/postgres.md "Imports"). On SQLite
// a prepared statement per row is the fastest there is (no round trip: the database is in the
// process). On PostgreSQL every statement is a round trip, so the record writer
// (import-writer.ts, `bulk`) keeps the rows of the big tables — questions, their relation tags,
// scenes, scene objects, boxes, traces, steps, labels — in memory for the length of one chunk (≤ STEPWISE_IMPORT_CHUNK records)
// and sends each table at once at the end of the chunk, inside the chunk's transaction, by
// COPY … FROM STDIN (lib/db/sql.ts `copy`, pg-copy-streams). Measured on the same rows
// (bench/import.ts --postgres, bench/README.md): raw COPY is about twice as fast as
// INSERT … SELECT FROM UNNEST(arrays) here, so COPY is the path.
// Ids the writer needs before its rows exist (a question's or a scene's for its traces, a scene's
// for its objects, a trace's for its steps) come from the tables' own sequences in blocks (`nextval` over generate_series — one round
// trip per block; sequences are not transactional, so a rolled back chunk only leaves a gap).
// Steps take their ids from the column default; labels (Review rows, few) are inserted by one
// INSERT … SELECT FROM UNNEST joined to the steps by (trace, index), after the steps.

/** The tables the writer buffers, parents first: a flush sends them in this order. */
export const BULK_TABLES = ["Question", "QuestionRelation", "Scene", "SceneObject", "Box", "Trace", "Step", "Review"] as const;
export type BulkTable = (typeof BULK_TABLES)[number];

/** Columns of the COPY tables, in the order the writer gives values. */
export const COPY_COLUMNS: Record<Exclude<BulkTable, "Review">, readonly string[]> = {
  Question: ["id", "datasetId", "imageId", "externalId", "text", "answer", "program", "source", "answerUnreliable", "importId"],
  QuestionRelation: ["questionId", "relation", "relationClass"],
  Scene: ["id", "datasetId", "imageId", "name", "kind", "relationships", "directions", "info", "importId"],
  SceneObject: ["sceneId", "index", "color", "size", "shape", "material", "x3d", "y3d", "z3d", "px", "py", "depth", "rotation", "extra"],
  Box: ["imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score", "importId"],
  Trace: ["id", "datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount", "decision", "answerUnreliable", "importId"],
  Step: ["traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs"],
};

/** Labels that came with the traces: (traceId, step index or null, userId, label, source, provenance, importId). */
const INSERT_REVIEWS = `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "provenance", "importId")
  SELECT u.t, s."id", u.u, u.l, u.src, u.p, u.imp
  FROM UNNEST(?::int4[], ?::int4[], ?::int4[], ?::text[], ?::text[], ?::jsonb[], ?::int4[]) AS u(t, si, u, l, src, p, imp)
  LEFT JOIN "Step" s ON s."traceId" = u.t AND s."index" = u.si`;

/** Rows as column arrays (what UNNEST takes). */
export function toColumns(rows: readonly (readonly Param[])[], width: number): Param[] {
  const columns: Param[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < width; c++) columns[c][r] = row[c];
  }
  // node-postgres sends a JS array as a PostgreSQL array literal
  return columns as unknown as Param[];
}

const FIRST_BLOCK = 256;
const MAX_BLOCK = 16_384;

/** The rows of one chunk, waiting for its end, and the ids taken from the sequences. */
export class BulkRows {
  private readonly rows = new Map<BulkTable, Param[][]>(BULK_TABLES.map((t) => [t, []]));
  private readonly ids = new Map<string, { next: number[]; block: number }>();
  /** Where each buffered trace came from: a unique violation names its file and line. */
  private readonly sources = new Map<string, { file: string | null; line: number }>();

  empty(): boolean {
    for (const rows of this.rows.values()) if (rows.length) return false;
    return true;
  }

  add(table: BulkTable, row: Param[]): void {
    this.rows.get(table)!.push(row);
  }

  source(externalId: string, file: string | null, line: number): void {
    this.sources.set(externalId, { file, line });
  }

  /** A new id for a row of `table`, from its sequence (a block at a time). */
  *id(table: string): Program<number> {
    let pool = this.ids.get(table);
    if (!pool) this.ids.set(table, (pool = { next: [], block: FIRST_BLOCK }));
    if (!pool.next.length) {
      const rows = yield* all<{ id: number }>(`SELECT nextval(pg_get_serial_sequence(?, 'id'))::int4 AS id FROM generate_series(1, ?)`, `"${table}"`, pool.block);
      // handed out lowest first, so rows keep the order of the input
      pool.next = rows.map((r) => r.id).sort((a, b) => b - a);
      pool.block = Math.min(MAX_BLOCK, pool.block * 2);
    }
    return pool.next.pop()!;
  }

  /** Every buffered table, parents first; the buffers are empty afterwards (also when it fails). */
  *flush(): Program<void> {
    try {
      for (const table of BULK_TABLES) {
        const rows = this.rows.get(table)!;
        if (!rows.length) continue;
        if (table === "Review") yield* run(INSERT_REVIEWS, ...toColumns(rows, 7));
        else yield* copy(table, COPY_COLUMNS[table], rows);
      }
      this.sources.clear();
    } finally {
      for (const rows of this.rows.values()) rows.length = 0;
    }
  }

  /**
   * A flush's unique violation on a trace id (another import wrote the same id into the dataset
   * between this chunk's lookup and its insert) as an error naming the file and line; null for
   * anything else. The buffered sources are forgotten either way.
   */
  explain(error: unknown, dataset: string): AppError | null {
    const sources = new Map(this.sources);
    this.sources.clear();
    const violation = uniqueViolation(error);
    if (!violation || violation.table !== "Trace") return null;
    const match = /\("datasetId", "externalId"\)=\(\d+, (.*)\) already exists/.exec(violation.detail);
    const externalId = match?.[1] ?? null;
    const at = externalId === null ? undefined : sources.get(externalId);
    return traceTaken(externalId ?? "?", at?.file ?? null, at?.line ?? null, dataset);
  }
}

/** A PostgreSQL unique violation (SQLSTATE 23505): its table and detail; null otherwise. */
export function uniqueViolation(error: unknown): { table: string; detail: string } | null {
  const e = error as { code?: string; table?: string; detail?: string } | null;
  if (!e || e.code !== "23505") return null;
  return { table: e.table ?? "", detail: e.detail ?? "" };
}

/** The error for a trace id another import wrote into the dataset while this one ran. */
export function traceTaken(externalId: string, file: string | null, line: number | null, dataset: string): AppError {
  const where = line !== null ? `${file ?? "input"}:${line} $.id: ` : "";
  return new AppError(
    "conflict",
    `${where}trace "${externalId}" was written into dataset "${dataset}" by another import at the same time; nothing was imported (import again: identical traces then count as duplicates)`,
    [{ file: file ?? undefined, line: line ?? undefined, path: "$.id", error: `trace "${externalId}" already exists in dataset "${dataset}"` }],
  );
}
