import { all, run, type Param, type Program } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

// The import's bulk path on PostgreSQL (docs/design.md §14, docs/postgres.md "Imports"). On SQLite
// a prepared statement per row is the fastest there is (no round trip: the database is in the
// process). On PostgreSQL every statement is a round trip, so the record writer
// (import-writer.ts, `bulk`) keeps the rows of the big tables — questions, their relation tags,
// traces, steps, labels — in memory for the length of one chunk (≤ STEPWISE_IMPORT_CHUNK records)
// and sends each table as ONE statement at the end of the chunk, inside the chunk's transaction:
//
//   INSERT INTO "Step" ("id", "traceId", …) SELECT * FROM UNNEST($1::int4[], $2::int4[], …)
//
// one array parameter per column, whatever the number of rows. Ids the writer needs before the
// rows exist (a trace's id for its steps, a step's id for its labels) come from the tables' own
// sequences in blocks (`nextval` over generate_series — one round trip per block; sequences are
// not transactional, so a rolled back chunk only leaves a gap). Measured against COPY FROM STDIN
// (pg-copy-streams) on the same rows (bench/import.ts, bench/README.md): UNNEST is as fast here and
// needs no extra dependency, no text escaping of its own and no second protocol inside the
// transaction, so it is the path; COPY stays the bench's raw reference.

/** The tables the writer buffers, parents first: a flush sends them in this order. */
export const BULK_TABLES = ["Question", "QuestionRelation", "Trace", "Step", "Review"] as const;
export type BulkTable = (typeof BULK_TABLES)[number];

/** Columns (in the order the writer gives values) and their PostgreSQL array element types. */
export const BULK_COLUMNS: Record<BulkTable, { columns: Array<[string, string]>; conflict?: string }> = {
  Question: {
    columns: [["id", "int4"], ["datasetId", "int4"], ["imageId", "int4"], ["externalId", "text"], ["text", "text"], ["answer", "text"], ["program", "jsonb"], ["source", "text"], ["answerUnreliable", "text"], ["importId", "int4"]],
  },
  QuestionRelation: { columns: [["questionId", "int4"], ["relation", "text"], ["relationClass", "text"]], conflict: `ON CONFLICT ("questionId", "relation") DO NOTHING` },
  Trace: {
    columns: [
      ["id", "int4"], ["datasetId", "int4"], ["externalId", "text"], ["questionId", "int4"], ["imageId", "int4"], ["sceneId", "int4"], ["question", "text"], ["answer", "text"],
      ["finalAnswer", "text"], ["teacherModel", "text"], ["teacherParams", "jsonb"], ["method", "text"], ["format", "text"], ["contentHash", "text"], ["raw", "text"],
      ["stepCount", "int4"], ["decision", "text"], ["answerUnreliable", "text"], ["importId", "int4"],
    ],
  },
  Step: { columns: [["id", "int4"], ["traceId", "int4"], ["index", "int4"], ["kind", "text"], ["text", "text"], ["tool", "text"], ["callId", "text"], ["args", "jsonb"], ["result", "jsonb"], ["refs", "text"]] },
  Review: { columns: [["traceId", "int4"], ["stepId", "int4"], ["userId", "int4"], ["label", "text"], ["source", "text"], ["provenance", "jsonb"], ["importId", "int4"]] },
};

/** `INSERT … SELECT * FROM UNNEST(?::type[], …)` for a table (parameters: one array per column). */
export function unnestInsert(table: BulkTable): string {
  const { columns, conflict } = BULK_COLUMNS[table];
  return `INSERT INTO "${table}" (${columns.map(([name]) => `"${name}"`).join(", ")}) SELECT * FROM UNNEST(${columns.map(([, type]) => `?::${type}[]`).join(", ")}) ${conflict ?? ""}`;
}

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

/** Sends rows of one table as one UNNEST insert (a statement program; PostgreSQL only). */
export function* unnestRows(table: BulkTable, rows: readonly (readonly Param[])[]): Program<number> {
  if (!rows.length) return 0;
  return (yield* run(unnestInsert(table), ...toColumns(rows, BULK_COLUMNS[table].columns.length))).changes;
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
        if (rows.length) yield* unnestRows(table, rows);
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
    const where = at ? `${at.file ?? "input"}:${at.line} $.id: ` : "";
    const message = `${where}trace "${externalId ?? "?"}" was written into dataset "${dataset}" by another import at the same time; nothing was imported (import again: identical traces then count as duplicates)`;
    return new AppError("conflict", message, [{ file: at?.file ?? undefined, line: at?.line, path: "$.id", error: `trace "${externalId ?? "?"}" already exists in dataset "${dataset}"` }]);
  }
}

/** A PostgreSQL unique violation (SQLSTATE 23505): its table and detail; null otherwise. */
export function uniqueViolation(error: unknown): { table: string; detail: string } | null {
  const e = error as { code?: string; table?: string; detail?: string } | null;
  if (!e || e.code !== "23505") return null;
  return { table: e.table ?? "", detail: e.detail ?? "" };
}
