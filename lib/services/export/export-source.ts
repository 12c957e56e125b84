import fs from "node:fs";
import Database from "better-sqlite3";
import type pg from "pg";
import { dialect, pgPool } from "@/lib/db";
import { PostgresSql, type Param } from "@/lib/db/sql";
import { sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ReviewRow } from "@/lib/formats/export/labels";

// The export's view of the database (docs/design.md §14): one consistent snapshot for the whole
// export, so every page sees the same data while reviews and imports go on. All export SQL lives
// here, one text per statement for both dialects with the few differences spelled out:
//
// - SQLite: its own connection holding one read transaction (WAL), planning tables in TEMP;
//   statements are prepared once and run synchronously (the methods are async only in name there);
// - PostgreSQL: one pooled client holding one REPEATABLE READ READ ONLY transaction; the planning
//   tables are session TEMP tables created just before it (a read-only transaction may write temp
//   tables but not create them) and dropped when the export ends; long result sets are read with a
//   cursor. Rows come back SQLite-shaped through lib/db/sql.ts (counts as numbers, booleans 1/0,
//   JSON as its text).
//
// Id lists are one JSON array parameter (json_each / jsonb_array_elements_text), so statements are
// prepared once. Everything that orders text sorts by code units (SQLite's BINARY, PostgreSQL's
// COLLATE "C" — whatever the database's locale), NULLs are placed explicitly, integer truncation is
// FLOOR on both: the same data gives the same bytes on both dialects (export-dialects.pg.test.ts).

export interface TraceRow {
  id: number;
  datasetId: number;
  externalId: string;
  question: string;
  answer: string | null;
  method: string;
  teacherModel: string | null;
  questionId: number | null;
  imageName: string | null;
  imageSha256: string | null;
  imagePath: string | null;
  imageUrl: string | null;
  imageMime: string | null;
  program: string | null;
}

export interface StepRow {
  id: number;
  traceId: number;
  index: number;
  kind: string;
  revision: number;
  text?: string | null;
  tool?: string | null;
  callId?: string | null;
  args?: string | null;
  result?: string | null;
}

/** A label row as the export reads it: ReviewRow plus the trace it belongs to. */
export type ReviewRowDb = ReviewRow & { traceId: number };

export interface CandidateRow {
  traceId: number;
  imageKey: string;
  groupKey: string;
  split: number;
  mask: number;
  judgment: number | null;
  judgmentSource: string | null;
  jrank: number;
  quality: number | null;
  valid: number | null;
  edited: number;
  h: number;
  hw: number;
  rows: number;
  sources: string;
  labels: string | null;
  relations: string;
  agreement: [number, number, number, number, number, number];
}

/** What pass 3 reads back about a planned trace. */
export interface PlannedTrace {
  traceId: number;
  judgment: number | null;
  judgmentSource: string | null;
  quality: number | null;
  valid: number | null;
  labels: string | null;
  relations: string;
}

export interface UnitRow {
  ord: number;
  split: number;
  cls: string;
  traceId: number;
  otherId: number | null;
  pair: string | null;
  rows: number;
  /** Multi-turn: the ord of the unit leading this one's conversation (null: it leads, or single-turn). */
  leader: number | null;
}

const TRACE_COLUMNS = `t."id", t."datasetId", t."externalId", t."question", t."answer", t."method", t."teacherModel", t."questionId",
  i."name" AS "imageName", i."sha256" AS "imageSha256", i."path" AS "imagePath", i."url" AS "imageUrl", i."mime" AS "imageMime",
  q."program" AS "program"
  FROM "Trace" t LEFT JOIN "Image" i ON i."id" = t."imageId" LEFT JOIN "Question" q ON q."id" = t."questionId"`;

const ids = (values: number[]) => JSON.stringify(values);

interface DenseRange {
  low: number;
  high: number;
  /** null when every id of the range is wanted. */
  wanted: Set<number> | null;
}

/**
 * Ids of a page are usually dense (a dataset's traces are inserted together, pages walk ids in
 * order), and one range scan of an index is about twice as fast as a seek per id; sparse sets
 * (more than half the range unwanted) use the seeks.
 */
function denseRange(values: number[]): DenseRange | null {
  if (values.length === 0) return null;
  let low = values[0];
  let high = values[0];
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const span = high - low + 1;
  if (span > 2 * values.length) return null;
  return { low, high, wanted: span === new Set(values).size ? null : new Set(values) };
}

function filterTo<T>(rows: T[], range: DenseRange, id: (row: T) => number): T[] {
  const wanted = range.wanted;
  return wanted ? rows.filter((r) => wanted.has(id(r))) : rows;
}

/**
 * Json columns are declared JSONB, which SQLite gives NUMERIC affinity: a stored "4" comes back as
 * the number 4. Turn such values back into their JSON text.
 */
function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function withJsonText<T extends { args?: unknown; result?: unknown }>(rows: T[]): T[] {
  for (const row of rows) {
    if (typeof row.args === "number") row.args = jsonText(row.args);
    if (typeof row.result === "number") row.result = jsonText(row.result);
  }
  return rows;
}

/** The planning tables; created per export, private to its connection. */
const PLAN_TABLES = ["cand", "base", "unit", "turnlead"] as const;

function planDdl(pg: boolean): string {
  const real = pg ? "DOUBLE PRECISION" : "REAL";
  // SQLite numbers "base" rows itself (rowid); PostgreSQL gets explicit ids (see nextBaseId)
  return `
    CREATE TEMP TABLE "cand" (
      "traceId" INTEGER PRIMARY KEY, "imageKey" TEXT NOT NULL, "groupKey" TEXT NOT NULL, "split" INTEGER NOT NULL,
      "mask" INTEGER NOT NULL, "judgment" INTEGER, "judgmentSource" TEXT, "jrank" INTEGER NOT NULL, "quality" ${real}, "valid" INTEGER,
      "edited" INTEGER NOT NULL, "h" ${real} NOT NULL, "hw" ${real} NOT NULL, "rows" INTEGER NOT NULL, "sources" TEXT NOT NULL,
      "labels" TEXT, "relations" TEXT NOT NULL,
      "a0" INTEGER NOT NULL, "a1" INTEGER NOT NULL, "a2" INTEGER NOT NULL, "a3" INTEGER NOT NULL, "a4" INTEGER NOT NULL, "a5" INTEGER NOT NULL,
      "skip" TEXT, "cls" TEXT);
    CREATE TEMP TABLE "base" (
      "id" INTEGER PRIMARY KEY, "split" INTEGER NOT NULL, "cls" TEXT NOT NULL, "groupKey" TEXT NOT NULL, "traceId" INTEGER NOT NULL,
      "otherId" INTEGER, "pair" TEXT, "h" ${real} NOT NULL, "hw" ${real} NOT NULL, "rows" INTEGER NOT NULL);
    CREATE TEMP TABLE "unit" (
      "ord" INTEGER PRIMARY KEY, "split" INTEGER NOT NULL, "cls" TEXT NOT NULL, "traceId" INTEGER NOT NULL,
      "otherId" INTEGER, "pair" TEXT, "rows" INTEGER NOT NULL, "leader" INTEGER);
    CREATE TEMP TABLE "turnlead" ("ord" INTEGER PRIMARY KEY, "lead" INTEGER NOT NULL);`;
}

const CANDIDATE_COLUMNS = ["traceId", "imageKey", "groupKey", "split", "mask", "judgment", "judgmentSource", "jrank", "quality", "valid", "edited", "h", "hw", "rows", "sources", "labels", "relations", "a0", "a1", "a2", "a3", "a4", "a5"] as const;

function candidateParams(c: CandidateRow): Param[] {
  return [c.traceId, c.imageKey, c.groupKey, c.split, c.mask, c.judgment, c.judgmentSource, c.jrank, c.quality, c.valid, c.edited, c.h, c.hw, c.rows, c.sources, c.labels, c.relations, ...c.agreement];
}

/** Rows read per FETCH of a PostgreSQL cursor. */
const CURSOR_BATCH = 5_000;

/**
 * A PostgreSQL `idle_in_transaction_session_timeout` long enough for the export's quiet stretches
 * (Parquet conversion between two statements); a crashed process still ends the session by its socket.
 */
const EXPORT_IDLE_TX_TIMEOUT = "30min";

export class ExportSource {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly pg: boolean;
  private cursors = 0;

  private constructor(
    private readonly handle: Database.Database | null,
    private readonly client: pg.PoolClient | null,
  ) {
    this.pg = client !== null;
  }

  /** Opens the snapshot on the current database (SQLite or PostgreSQL). */
  static async open(): Promise<ExportSource> {
    return dialect() === "postgres" ? ExportSource.openPostgres() : ExportSource.openSqlite();
  }

  /**
   * SQLite: a connection of its own. Read-write at the file level (a read-only handle cannot open a
   * WAL database whose shared-memory file does not exist yet), but this class only ever writes its
   * own TEMP tables.
   */
  private static async openSqlite(): Promise<ExportSource> {
    const file = sqliteFile();
    if (!file) throw new AppError("internal", "export needs a SQLite or PostgreSQL database");
    if (!fs.existsSync(file)) throw new AppError("not_found", `database ${file} does not exist (run \`stepwise doctor\`)`);
    const handle = new Database(file, { fileMustExist: true });
    handle.pragma("busy_timeout = 10000");
    // WAL (persistent, the app sets it too): the long read transaction below then never blocks writers
    handle.pragma("journal_mode = WAL");
    handle.exec("BEGIN");
    return new ExportSource(handle, null);
  }

  /** PostgreSQL: one pooled client, the planning tables, then the read-only snapshot. */
  private static async openPostgres(): Promise<ExportSource> {
    const client = await pgPool().connect();
    try {
      await client.query(`DROP TABLE IF EXISTS ${PLAN_TABLES.map((t) => `pg_temp."${t}"`).join(", ")}`);
      await client.query(planDdl(true));
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = '${EXPORT_IDLE_TX_TIMEOUT}'`);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return new ExportSource(null, client);
  }

  async close(): Promise<void> {
    if (this.handle) {
      if (!this.handle.open) return;
      if (this.handle.inTransaction) this.handle.exec("ROLLBACK");
      this.handle.close();
      return;
    }
    const client = this.client!;
    if (this.closed) return;
    this.closed = true;
    try {
      await client.query("ROLLBACK");
      await client.query(`DROP TABLE IF EXISTS ${PLAN_TABLES.map((t) => `pg_temp."${t}"`).join(", ")}`);
      client.release();
    } catch (error) {
      // a session that cannot clean up is closed, not returned to the pool
      client.release(error as Error);
    }
  }

  private closed = false;

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle!.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private get q(): PostgresSql {
    return new PostgresSql(this.client!);
  }

  private async all<T>(text: string, ...params: Param[]): Promise<T[]> {
    if (this.handle) return this.statement(text).all(...params) as T[];
    return this.q.all<T>(text, params);
  }

  private async get<T>(text: string, ...params: Param[]): Promise<T> {
    if (this.handle) return this.statement(text).get(...params) as T;
    return (await this.q.get<T>(text, params)) as T;
  }

  /** Runs one statement; returns the rows changed. */
  private async run(text: string, ...params: Param[]): Promise<number> {
    if (this.handle) return this.statement(text).run(...params).changes;
    return (await this.q.run(text, params)).changes;
  }

  /** Every row of a query, in batches: SQLite iterates its statement, PostgreSQL FETCHes from a cursor. */
  private async each<T>(text: string, visit: (row: T) => void): Promise<void> {
    if (this.handle) {
      for (const row of this.statement(text).iterate() as Iterable<T>) visit(row);
      return;
    }
    const name = `export_cursor_${++this.cursors}`;
    await this.q.run(`DECLARE "${name}" NO SCROLL CURSOR FOR ${text}`);
    for (;;) {
      const rows = await this.q.all<T>(`FETCH ${CURSOR_BATCH} FROM "${name}"`);
      for (const row of rows) visit(row);
      if (rows.length < CURSOR_BATCH) break;
    }
    await this.q.run(`CLOSE "${name}"`);
  }

  /** `IN <this>` for a JSON array of integers passed as one parameter. */
  private get idList(): string {
    return this.pg ? `(SELECT CAST(value AS INTEGER) FROM jsonb_array_elements_text(CAST(? AS jsonb)))` : `(SELECT value FROM json_each(?))`;
  }

  /** `IN <this>` for a JSON array of strings passed as one parameter. */
  private get textList(): string {
    return this.pg ? `(SELECT value FROM jsonb_array_elements_text(CAST(? AS jsonb)))` : `(SELECT value FROM json_each(?))`;
  }

  /** A text expression in an ORDER BY: code-unit order on both (SQLite's default BINARY collation). */
  private binary(expression: string): string {
    return this.pg ? `${expression} COLLATE "C"` : expression;
  }

  async datasets(names: string[]): Promise<Array<{ id: number; name: string; license: string | null; attribution: string | null; importLicenses: string | null }>> {
    const licenses = this.pg ? `json_agg(DISTINCT im."license")` : `json_group_array(DISTINCT im."license")`;
    const rows = await this.all<{ id: number; name: string; license: string | null; attribution: string | null; importLicenses: string | null }>(
      `SELECT d."id", d."name", d."license", d."attribution",
              (SELECT ${licenses} FROM "Import" im WHERE im."datasetId" = d."id" AND im."license" IS NOT NULL AND im."status" = 'done') AS "importLicenses"
       FROM "Dataset" d WHERE d."name" IN ${this.textList} ORDER BY ${this.binary(`d."name"`)}`,
      JSON.stringify(names),
    );
    const missing = names.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw new AppError("not_found", `unknown dataset${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}`);
    return rows;
  }

  /** Latest finished verifier run per dataset (optionally of one config version). */
  async runs(datasetIds: number[], version: number | null): Promise<Array<{ datasetId: number; runId: number; version: number; name: string }>> {
    const rows = await this.all<{ datasetId: number; runId: number; version: number; name: string }>(
      `SELECT r."datasetId", r."id" AS "runId", c."version", c."name" FROM "VerifierRun" r JOIN "VerifierConfig" c ON c."id" = r."configId"
       WHERE r."datasetId" IN ${this.idList} AND r."status" = 'done' AND (CAST(? AS INTEGER) IS NULL OR c."version" = ?)
       ORDER BY r."datasetId", r."finishedAt" DESC NULLS LAST, r."id" DESC`,
      ids(datasetIds), version, version,
    );
    const latest = new Map<number, (typeof rows)[number]>();
    for (const row of rows) if (!latest.has(row.datasetId)) latest.set(row.datasetId, row);
    return [...latest.values()];
  }

  async hasEdits(datasetIds: number[]): Promise<boolean> {
    const row = await this.get<{ e: number }>(
      `SELECT EXISTS (SELECT 1 FROM "StepRevision" r JOIN "Step" s ON s."id" = r."stepId" JOIN "Trace" t ON t."id" = s."traceId"
       WHERE t."datasetId" IN ${this.idList}) AS e`,
      ids(datasetIds),
    );
    return row.e === 1;
  }

  async countTraces(datasetIds: number[]): Promise<number> {
    return (await this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "Trace" WHERE "datasetId" IN ${this.idList}`, ids(datasetIds))).n;
  }

  /** Generation methods of a dataset: planning walks (dataset, method, id), the order of an index. */
  async methods(datasetId: number): Promise<string[]> {
    return (await this.all<{ method: string }>(`SELECT "method" FROM "Trace" WHERE "datasetId" = ? GROUP BY "method" ORDER BY ${this.binary(`"method"`)}`, datasetId)).map((r) => r.method);
  }

  /** Keyset page of one dataset's traces of one method, by id (index datasetId, method, id). */
  async tracePage(datasetId: number, method: string, afterId: number, limit: number): Promise<TraceRow[]> {
    return this.all<TraceRow>(`SELECT ${TRACE_COLUMNS} WHERE t."datasetId" = ? AND t."method" = ? AND t."id" > ? ORDER BY t."id" LIMIT ?`, datasetId, method, afterId, limit);
  }

  /**
   * `select … WHERE column <ids> tail` for some trace ids: a dense id range is read with BETWEEN
   * (and rows of ids not asked for are dropped), a sparse one with IN (a JSON id list).
   */
  private async forTraces<T>(select: string, column: string, tail: string, traceIds: number[], traceOf: (row: T) => number): Promise<T[]> {
    const range = denseRange(traceIds);
    if (range) return filterTo(await this.all<T>(`${select} WHERE ${column} BETWEEN ? AND ? ${tail}`, range.low, range.high), range, traceOf);
    return this.all<T>(`${select} WHERE ${column} IN ${this.idList} ${tail}`, ids(traceIds));
  }

  async traces(traceIds: number[]): Promise<TraceRow[]> {
    return this.forTraces<TraceRow>(`SELECT ${TRACE_COLUMNS}`, `t."id"`, `ORDER BY t."id"`, traceIds, (r) => r.id);
  }

  /** Steps of some traces, ordered by trace and index. */
  async steps(traceIds: number[], content: boolean): Promise<StepRow[]> {
    if (traceIds.length === 0) return [];
    const columns = `"id", "traceId", "index", "kind", "callId", "revision"${content ? `, "text", "tool", "args", "result"` : ""}`;
    const rows = await this.forTraces<StepRow>(`SELECT ${columns} FROM "Step"`, `"traceId"`, `ORDER BY "traceId", "index"`, traceIds, (r) => r.traceId);
    return content ? withJsonText(rows) : rows;
  }

  /** Step count per trace from the (traceId, index) index alone (Trace.stepCount sits behind the large `raw` column). */
  async stepCounts(traceIds: number[]): Promise<Map<number, number>> {
    const rows = await this.forTraces<{ traceId: number; n: number }>(`SELECT "traceId", COUNT(*) AS n FROM "Step"`, `"traceId"`, `GROUP BY "traceId"`, traceIds, (r) => r.traceId);
    return new Map(rows.map((r) => [r.traceId, r.n]));
  }

  /** Current human labels that count (not after-error), oldest first. */
  async reviews(traceIds: number[]): Promise<ReviewRowDb[]> {
    return this.all<ReviewRowDb>(
      `SELECT "traceId", "stepId", "label", "source", "userId", "revision" FROM "Review"
       WHERE "traceId" IN ${this.idList} AND "current" = TRUE AND "afterError" = FALSE ORDER BY "id"`,
      ids(traceIds),
    );
  }

  async verdicts(runIds: number[], traceIds: number[]): Promise<Array<{ stepId: number; fails: number; passes: number }>> {
    if (runIds.length === 0) return [];
    return this.all<{ stepId: number; fails: number; passes: number }>(
      `SELECT "stepId", SUM(CASE WHEN "outcome" = 'fail' THEN 1 ELSE 0 END) AS "fails", SUM(CASE WHEN "outcome" = 'pass' THEN 1 ELSE 0 END) AS "passes" FROM "Verdict"
       WHERE "runId" IN ${this.idList} AND "traceId" IN ${this.idList} GROUP BY "stepId"`,
      ids(runIds), ids(traceIds),
    );
  }

  async scores(runIds: number[], traceIds: number[]): Promise<Array<{ traceId: number; quality: number; valid: number }>> {
    if (runIds.length === 0) return [];
    return this.all<{ traceId: number; quality: number; valid: number }>(
      `SELECT "traceId", "quality", "valid" FROM "TraceScore" WHERE "runId" IN ${this.idList} AND "traceId" IN ${this.idList}`,
      ids(runIds), ids(traceIds),
    );
  }

  async relations(questionIds: number[]): Promise<Array<{ questionId: number; relation: string }>> {
    if (questionIds.length === 0) return [];
    return this.all<{ questionId: number; relation: string }>(`SELECT "questionId", "relation" FROM "QuestionRelation" WHERE "questionId" IN ${this.idList} ORDER BY "id"`, ids(questionIds));
  }

  /** Traces having the teacher's original (revision 0) of at least one edited step: DPO edit pairs need it. */
  async tracesWithOriginals(traceIds: number[]): Promise<Set<number>> {
    const rows = await this.all<{ traceId: number }>(
      `SELECT DISTINCT s."traceId" FROM "Step" s JOIN "StepRevision" r ON r."stepId" = s."id" AND r."revision" = 0
       WHERE s."traceId" IN ${this.idList} AND s."revision" > 0`,
      ids(traceIds),
    );
    return new Set(rows.map((r) => r.traceId));
  }

  /** Revision 0 (the teacher's original) of edited steps. */
  async originals(stepIds: number[]): Promise<Array<{ stepId: number; text: string | null; args: string | null; result: string | null }>> {
    if (stepIds.length === 0) return [];
    return withJsonText(await this.all<{ stepId: number; text: string | null; args: string | null; result: string | null }>(`SELECT "stepId", "text", "args", "result" FROM "StepRevision" WHERE "stepId" IN ${this.idList} AND "revision" = 0`, ids(stepIds)));
  }

  // ---- planning tables (TEMP: private to this connection, on disk when large) ----

  async createPlan(): Promise<void> {
    // PostgreSQL made them before its read-only transaction began
    if (this.handle) this.handle.exec(planDdl(false));
  }

  /** One page of candidate rows (pass 1). */
  async insertCandidates(rows: CandidateRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.handle) {
      const insert = this.statement(`INSERT INTO "cand" (${CANDIDATE_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${CANDIDATE_COLUMNS.map(() => "?").join(", ")})`);
      for (const c of rows) insert.run(...candidateParams(c));
      return;
    }
    await this.q.insertMany("cand", CANDIDATE_COLUMNS, rows.map(candidateParams));
  }

  /** After pass 1: PostgreSQL plans pass 2's joins over the candidate table from its statistics. */
  async planned(): Promise<void> {
    if (this.pg) await this.q.run(`ANALYZE "cand"`);
  }

  async candidates(traceIds: number[]): Promise<PlannedTrace[]> {
    return this.forTraces<PlannedTrace>(`SELECT "traceId", "judgment", "judgmentSource", "quality", "valid", "labels", "relations" FROM "cand"`, `"traceId"`, "", traceIds, (r) => r.traceId);
  }

  /** Candidates having each class bit (for the rarity order). */
  async classCounts(classBits: number[]): Promise<number[]> {
    const sums = classBits.map((bit, i) => `SUM(CASE WHEN ("mask" & ${bit}) <> 0 THEN 1 ELSE 0 END) AS "c${i}"`).join(", ");
    const row = await this.get<Record<string, number | null>>(`SELECT ${sums} FROM "cand"`);
    return classBits.map((_, i) => row[`c${i}`] ?? 0);
  }

  /** cls = the first class (in rarity order) whose bit is set, else 'none'. */
  async assignClasses(order: Array<{ bit: number; name: string }>): Promise<void> {
    const cases = order.map((c) => `WHEN ("mask" & ${c.bit}) <> 0 THEN '${c.name}'`).join(" ");
    await this.run(`UPDATE "cand" SET "cls" = CASE ${cases} ELSE 'none' END`);
  }

  /** Keeps the best-ranked trace per group (and per judgment when `byJudgment`); returns how many were dropped. */
  async dedupeCandidates(byJudgment: boolean): Promise<number> {
    const partition = byJudgment ? `"groupKey", "judgment"` : `"groupKey"`;
    return this.run(
      `UPDATE "cand" SET "skip" = 'duplicate' WHERE "traceId" IN (
         SELECT "traceId" FROM (SELECT "traceId", ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY "jrank" DESC, "quality" DESC NULLS LAST, "traceId") AS rn
                                FROM "cand" WHERE "skip" IS NULL) AS ranked WHERE rn > 1)`,
    );
  }

  /**
   * The id expression of rows inserted into "base" by one INSERT … SELECT, numbered in `order`:
   * SQLite numbers them itself (rowid, in insertion order); PostgreSQL is told explicitly.
   */
  private baseIds(order: string): { column: string; value: string } {
    return this.pg ? { column: `"id", `, value: `(SELECT COALESCE(MAX("id"), 0) FROM "base") + ROW_NUMBER() OVER (ORDER BY ${order}), ` } : { column: "", value: "" };
  }

  async baseFromCandidates(): Promise<void> {
    const id = this.baseIds(`"traceId"`);
    await this.run(`INSERT INTO "base" (${id.column}"split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT ${id.value}"split", "cls", "groupKey", "traceId", NULL, NULL, "h", "hw", "rows" FROM "cand" WHERE "skip" IS NULL ORDER BY "traceId"`);
  }

  /**
   * DPO units: within each group the i-th best accepted trace pairs with the i-th rejected one
   * (best = higher quality, then lower id); an accepted edited trace pairs with its own original.
   * Returns the number of candidate traces that ended up in no pair.
   */
  async basePairs(): Promise<number> {
    const group = this.baseIds(`c."traceId"`);
    await this.run(`
      INSERT INTO "base" (${group.column}"split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT ${group.value}c."split", c."cls", c."groupKey", c."traceId", r."traceId", 'group', c."h", c."hw", 1
      FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY "quality" DESC NULLS LAST, "traceId") AS rn FROM "cand" WHERE "skip" IS NULL AND "judgment" = 1) c
      JOIN (SELECT *, ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY "quality" ASC NULLS LAST, "traceId") AS rn FROM "cand" WHERE "skip" IS NULL AND "judgment" = 0) r
        ON r."groupKey" = c."groupKey" AND r.rn = c.rn
      ORDER BY c."traceId"`);
    const edit = this.baseIds(`"traceId"`);
    await this.run(`
      INSERT INTO "base" (${edit.column}"split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT ${edit.value}"split", "cls", "groupKey", "traceId", "traceId", 'edit', "h", "hw", 1 FROM "cand" WHERE "skip" IS NULL AND "edited" = 1 AND "judgment" = 1 ORDER BY "traceId"`);
    return this.run(
      `UPDATE "cand" SET "skip" = 'no_pair' WHERE "skip" IS NULL AND "traceId" NOT IN (SELECT "traceId" FROM "base" UNION SELECT "otherId" FROM "base" WHERE "otherId" IS NOT NULL)`,
    );
  }

  /** One pair per group: edit pairs first (a human correction against its original), then the best group pair. */
  async dedupePairs(): Promise<number> {
    return this.run(
      `DELETE FROM "base" WHERE "id" IN (SELECT "id" FROM (
         SELECT "id", ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY CASE WHEN "pair" = 'edit' THEN 0 ELSE 1 END, "id") AS rn FROM "base") AS ranked WHERE rn > 1)`,
    );
  }

  /** Caps per class: keeps a hash-ordered (seeded, random-looking) subset of each capped class. */
  async capClasses(caps: Array<{ cls: string; cap: number }>): Promise<number> {
    if (caps.length === 0) return 0;
    const limit = `CASE "cls" ${caps.map((c) => `WHEN '${c.cls}' THEN ${Math.floor(c.cap)}`).join(" ")} ELSE -1 END`;
    return this.run(
      `DELETE FROM "base" WHERE "id" IN (SELECT "id" FROM (
         SELECT "id", "cls", ROW_NUMBER() OVER (PARTITION BY "cls" ORDER BY "h", "id") AS rn FROM "base") AS ranked
       WHERE ${limit} >= 0 AND rn > ${limit})`,
    );
  }

  /**
   * Final units in output order (split, then trace id): train units of weighted classes are
   * repeated floor(w) times plus once more when the unit's own hash falls below the fraction.
   * Returns the number of base units that got no copy (weight < 1).
   */
  async buildUnits(weights: Array<{ cls: string; weight: number }>): Promise<number> {
    // pair is NULL for every unit of a format without pairs, never NULL with pairs: NULLS FIRST is SQLite's own order
    const order = `b."traceId", ${this.binary(`b."pair"`)} NULLS FIRST, b."otherId" NULLS FIRST`;
    const columns = `b."split", b."cls", b."traceId", b."otherId", b."pair", b."rows"`;
    if (weights.length === 0) {
      await this.run(`INSERT INTO "unit" ("ord", "split", "cls", "traceId", "otherId", "pair", "rows")
        SELECT ROW_NUMBER() OVER (ORDER BY ${order}), ${columns} FROM "base" b`);
      return 0;
    }
    // weights as doubles and truncation as FLOOR on both (PostgreSQL's CAST to INTEGER rounds)
    const literal = (weight: number) => (this.pg ? `CAST(${Number(weight)} AS DOUBLE PRECISION)` : `${Number(weight)}`);
    const w = `(CASE b."cls" ${weights.map((x) => `WHEN '${x.cls}' THEN ${literal(x.weight)}`).join(" ")} ELSE ${literal(1)} END)`;
    const whole = this.pg ? `CAST(FLOOR(${w}) AS INTEGER)` : `CAST(${w} AS INTEGER)`;
    const repeats = `(CASE WHEN b."split" = 0 THEN ${whole} + CASE WHEN (${w} - ${whole}) > b."hw" THEN 1 ELSE 0 END ELSE 1 END)`;
    const most = Math.ceil(Math.max(1, ...weights.map((x) => x.weight)));
    await this.run(`
      WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${most - 1}),
        r AS (SELECT b.*, ${repeats} AS repeats FROM "base" b)
      INSERT INTO "unit" ("ord", "split", "cls", "traceId", "otherId", "pair", "rows")
      SELECT ROW_NUMBER() OVER (ORDER BY ${order}, n.k), ${columns} FROM r b JOIN n ON n.k < b.repeats`);
    return (await this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "base" b WHERE ${repeats} = 0`)).n;
  }

  /**
   * Multi-turn: the units of one image and split become one conversation led by its first unit
   * (rows 1); the others point at it (rows 0) and are written inside its row. A weighted copy of a
   * trace goes to the conversation of the same copy number, so weights repeat conversations' turns
   * instead of repeating a question inside one. Traces without an image stay alone (their split key
   * is their question). Returns the number of conversations.
   */
  async groupTurns(): Promise<number> {
    await this.run(`
      INSERT INTO "turnlead" ("ord", "lead")
      SELECT "ord", FIRST_VALUE("ord") OVER (PARTITION BY "split", "conversation", "copy" ORDER BY "ord") AS "lead"
      FROM (SELECT u."ord", u."split",
                   CASE WHEN c."imageKey" LIKE 'question:%' THEN 'trace:' || CAST(u."traceId" AS TEXT) ELSE c."imageKey" END AS "conversation",
                   ROW_NUMBER() OVER (PARTITION BY u."traceId" ORDER BY u."ord") AS "copy"
            FROM "unit" u JOIN "cand" c ON c."traceId" = u."traceId") AS turns`);
    await this.run(`UPDATE "unit" SET "leader" = t."lead", "rows" = 0 FROM "turnlead" t WHERE t."ord" = "unit"."ord" AND t."lead" <> t."ord"`);
    return (await this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "unit" WHERE "leader" IS NULL`)).n;
  }

  /** Multi-turn: the units following each given leader, in conversation order. */
  async turnsOf(leaders: number[]): Promise<UnitRow[]> {
    if (leaders.length === 0) return [];
    return this.all<UnitRow>(`SELECT "ord", "split", "cls", "traceId", "otherId", "pair", "rows", "leader" FROM "unit" WHERE "leader" IN ${this.idList} ORDER BY "ord"`, JSON.stringify(leaders));
  }

  async unitTotals(): Promise<{ units: number; rows: number }> {
    return this.get<{ units: number; rows: number }>(`SELECT COUNT(*) AS units, COALESCE(SUM("rows"), 0) AS "rows" FROM "unit"`);
  }

  async rowsBySplitAndClass(): Promise<Array<{ split: number; cls: string; rows: number }>> {
    return this.all<{ split: number; cls: string; rows: number }>(`SELECT "split", "cls", SUM("rows") AS "rows" FROM "unit" GROUP BY "split", "cls" ORDER BY "split", ${this.binary(`"cls"`)}`);
  }

  /** Distinct images (split keys) per split of the exported units. */
  async imagesBySplit(): Promise<Array<{ split: number; images: number }>> {
    return this.all<{ split: number; images: number }>(
      `SELECT u."split", COUNT(DISTINCT c."imageKey") AS images FROM "unit" u JOIN "cand" c ON c."traceId" = u."traceId" GROUP BY u."split" ORDER BY u."split"`,
    );
  }

  /**
   * Image file names that land in more than one split: the same picture under keys that differ
   * (no stored bytes to hash, or different bytes — a re-encoded copy — in two datasets).
   */
  async leakedImages(limit: number): Promise<Array<{ name: string; splits: string }>> {
    const splits = this.pg ? `string_agg(DISTINCT CAST(c."split" AS TEXT), ',')` : `group_concat(DISTINCT c."split")`;
    return this.all<{ name: string; splits: string }>(
      `SELECT i."name" AS name, ${splits} AS splits
       FROM "cand" c JOIN "Trace" t ON t."id" = c."traceId" JOIN "Image" i ON i."id" = t."imageId"
       WHERE c."traceId" IN (SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL)
       GROUP BY i."name" HAVING COUNT(DISTINCT c."split") > 1 ORDER BY ${this.binary(`i."name"`)} LIMIT ?`,
      limit,
    );
  }

  /** The traces that appear in the export (either side of a pair), each once. */
  async exportedTraces(): Promise<{ traces: number; images: number; agreement: number[] }> {
    const exported = `SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL`;
    const row = await this.get<Record<string, number>>(
      `SELECT COUNT(*) AS traces, COUNT(DISTINCT CASE WHEN "imageKey" LIKE 'sha256:%' OR "imageKey" LIKE 'name:%' THEN "imageKey" END) AS images,
              COALESCE(SUM("a0"), 0) AS a0, COALESCE(SUM("a1"), 0) AS a1, COALESCE(SUM("a2"), 0) AS a2, COALESCE(SUM("a3"), 0) AS a3, COALESCE(SUM("a4"), 0) AS a4, COALESCE(SUM("a5"), 0) AS a5
       FROM "cand" WHERE "traceId" IN (${exported})`,
    );
    return { traces: row.traces, images: row.images, agreement: [row.a0, row.a1, row.a2, row.a3, row.a4, row.a5] };
  }

  /** Label sources of the exported traces, in trace order, one row at a time (constant memory). */
  async forEachExportedSource(visit: (row: { sources: string; judgmentSource: string | null }) => void): Promise<void> {
    const exported = `SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL`;
    await this.each(`SELECT "sources", "judgmentSource" FROM "cand" WHERE "traceId" IN (${exported}) ORDER BY "traceId"`, visit);
  }

  async unitPage(afterOrd: number, limit: number): Promise<UnitRow[]> {
    return this.all<UnitRow>(`SELECT "ord", "split", "cls", "traceId", "otherId", "pair", "rows", "leader" FROM "unit" WHERE "ord" > ? ORDER BY "ord" LIMIT ?`, afterOrd, limit);
  }
}
