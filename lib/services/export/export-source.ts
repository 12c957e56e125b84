import fs from "node:fs";
import Database from "better-sqlite3";
import { sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ReviewRow } from "@/lib/formats/export/labels";

// The export's view of the database: its own read-only SQLite connection holding one read
// transaction for the whole export, so every page sees the same snapshot (WAL) while reviews and
// imports go on through the app's connection. All export SQL lives here — a PostgreSQL build
// would swap this module (a REPEATABLE READ transaction and temporary tables work the same way).
// Id lists are passed as one JSON array parameter (json_each), so statements are prepared once.

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

export class ExportSource {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly handle: Database.Database) {}

  /**
   * Opens the snapshot connection. Read-write at the file level (a read-only handle cannot open a
   * WAL database whose shared-memory file does not exist yet), but this class only ever writes
   * its own TEMP tables.
   */
  static async open(): Promise<ExportSource> {
    const file = sqliteFile();
    if (!file) throw new AppError("internal", "export needs a SQLite database");
    if (!fs.existsSync(file)) throw new AppError("not_found", `database ${file} does not exist (run \`stepwise doctor\`)`);
    const handle = new Database(file, { fileMustExist: true });
    handle.pragma("busy_timeout = 10000");
    // WAL (persistent, the app sets it too): the long read transaction below then never blocks writers
    handle.pragma("journal_mode = WAL");
    handle.exec("BEGIN");
    return new ExportSource(handle);
  }

  close(): void {
    if (!this.handle.open) return;
    if (this.handle.inTransaction) this.handle.exec("ROLLBACK");
    this.handle.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.handle.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  datasets(names: string[]): Array<{ id: number; name: string; license: string | null; attribution: string | null; importLicenses: string | null }> {
    const rows = this.statement(
      `SELECT d."id", d."name", d."license", d."attribution",
              (SELECT json_group_array(DISTINCT im."license") FROM "Import" im WHERE im."datasetId" = d."id" AND im."license" IS NOT NULL AND im."status" = 'done') AS "importLicenses"
       FROM "Dataset" d WHERE d."name" IN (SELECT value FROM json_each(?)) ORDER BY d."name"`,
    ).all(JSON.stringify(names)) as Array<{ id: number; name: string; license: string | null; attribution: string | null; importLicenses: string | null }>;
    const missing = names.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw new AppError("not_found", `unknown dataset${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}`);
    return rows;
  }

  /** Latest finished verifier run per dataset (optionally of one config version). */
  runs(datasetIds: number[], version: number | null): Array<{ datasetId: number; runId: number; version: number; name: string }> {
    const rows = this.statement(
      `SELECT r."datasetId", r."id" AS "runId", c."version", c."name" FROM "VerifierRun" r JOIN "VerifierConfig" c ON c."id" = r."configId"
       WHERE r."datasetId" IN (SELECT value FROM json_each(?)) AND r."status" = 'done' AND (? IS NULL OR c."version" = ?)
       ORDER BY r."datasetId", r."finishedAt" DESC, r."id" DESC`,
    ).all(ids(datasetIds), version, version) as Array<{ datasetId: number; runId: number; version: number; name: string }>;
    const latest = new Map<number, (typeof rows)[number]>();
    for (const row of rows) if (!latest.has(row.datasetId)) latest.set(row.datasetId, row);
    return [...latest.values()];
  }

  hasEdits(datasetIds: number[]): boolean {
    const row = this.statement(
      `SELECT EXISTS (SELECT 1 FROM "StepRevision" r JOIN "Step" s ON s."id" = r."stepId" JOIN "Trace" t ON t."id" = s."traceId"
       WHERE t."datasetId" IN (SELECT value FROM json_each(?))) AS e`,
    ).get(ids(datasetIds)) as { e: number };
    return row.e === 1;
  }

  countTraces(datasetIds: number[]): number {
    return (this.statement(`SELECT COUNT(*) AS n FROM "Trace" WHERE "datasetId" IN (SELECT value FROM json_each(?))`).get(ids(datasetIds)) as { n: number }).n;
  }

  /** Generation methods of a dataset: planning walks (dataset, method, id), the order of an index. */
  methods(datasetId: number): string[] {
    return (this.statement(`SELECT DISTINCT "method" FROM "Trace" WHERE "datasetId" = ? ORDER BY "method"`).all(datasetId) as Array<{ method: string }>).map((r) => r.method);
  }

  /** Keyset page of one dataset's traces of one method, by id (index datasetId, method, id). */
  tracePage(datasetId: number, method: string, afterId: number, limit: number): TraceRow[] {
    return this.statement(`SELECT ${TRACE_COLUMNS} WHERE t."datasetId" = ? AND t."method" = ? AND t."id" > ? ORDER BY t."id" LIMIT ?`).all(datasetId, method, afterId, limit) as TraceRow[];
  }

  /**
   * `select … WHERE column <ids> tail` for some trace ids: a dense id range is read with BETWEEN
   * (and rows of ids not asked for are dropped), a sparse one with IN (json_each).
   */
  private forTraces<T>(select: string, column: string, tail: string, traceIds: number[], traceOf: (row: T) => number): T[] {
    const range = denseRange(traceIds);
    if (range) return filterTo(this.statement(`${select} WHERE ${column} BETWEEN ? AND ? ${tail}`).all(range.low, range.high) as T[], range, traceOf);
    return this.statement(`${select} WHERE ${column} IN (SELECT value FROM json_each(?)) ${tail}`).all(ids(traceIds)) as T[];
  }

  traces(traceIds: number[]): TraceRow[] {
    return this.forTraces<TraceRow>(`SELECT ${TRACE_COLUMNS}`, `t."id"`, `ORDER BY t."id"`, traceIds, (r) => r.id);
  }

  /** Steps of some traces, ordered by trace and index. */
  steps(traceIds: number[], content: boolean): StepRow[] {
    if (traceIds.length === 0) return [];
    const columns = `"id", "traceId", "index", "kind", "callId", "revision"${content ? `, "text", "tool", "args", "result"` : ""}`;
    const rows = this.forTraces<StepRow>(`SELECT ${columns} FROM "Step"`, `"traceId"`, `ORDER BY "traceId", "index"`, traceIds, (r) => r.traceId);
    return content ? withJsonText(rows) : rows;
  }

  /** Step count per trace from the (traceId, index) index alone (Trace.stepCount sits behind the large `raw` column). */
  stepCounts(traceIds: number[]): Map<number, number> {
    const rows = this.forTraces<{ traceId: number; n: number }>(`SELECT "traceId", COUNT(*) AS n FROM "Step"`, `"traceId"`, `GROUP BY "traceId"`, traceIds, (r) => r.traceId);
    return new Map(rows.map((r) => [r.traceId, r.n]));
  }

  /** Current human labels that count (not after-error), oldest first. */
  reviews(traceIds: number[]): ReviewRowDb[] {
    return this.statement(
      `SELECT "traceId", "stepId", "label", "source", "userId", "revision" FROM "Review"
       WHERE "traceId" IN (SELECT value FROM json_each(?)) AND "current" = 1 AND "afterError" = 0 ORDER BY "id"`,
    ).all(ids(traceIds)) as ReviewRowDb[];
  }

  verdicts(runIds: number[], traceIds: number[]): Array<{ stepId: number; fails: number; passes: number }> {
    if (runIds.length === 0) return [];
    return this.statement(
      `SELECT "stepId", SUM("outcome" = 'fail') AS "fails", SUM("outcome" = 'pass') AS "passes" FROM "Verdict"
       WHERE "runId" IN (SELECT value FROM json_each(?)) AND "traceId" IN (SELECT value FROM json_each(?)) GROUP BY "stepId"`,
    ).all(ids(runIds), ids(traceIds)) as Array<{ stepId: number; fails: number; passes: number }>;
  }

  scores(runIds: number[], traceIds: number[]): Array<{ traceId: number; quality: number; valid: number }> {
    if (runIds.length === 0) return [];
    return this.statement(
      `SELECT "traceId", "quality", "valid" FROM "TraceScore" WHERE "runId" IN (SELECT value FROM json_each(?)) AND "traceId" IN (SELECT value FROM json_each(?))`,
    ).all(ids(runIds), ids(traceIds)) as Array<{ traceId: number; quality: number; valid: number }>;
  }

  relations(questionIds: number[]): Array<{ questionId: number; relation: string }> {
    if (questionIds.length === 0) return [];
    return this.statement(`SELECT "questionId", "relation" FROM "QuestionRelation" WHERE "questionId" IN (SELECT value FROM json_each(?)) ORDER BY "id"`).all(ids(questionIds)) as Array<{ questionId: number; relation: string }>;
  }

  /** Traces having the teacher's original (revision 0) of at least one edited step: DPO edit pairs need it. */
  tracesWithOriginals(traceIds: number[]): Set<number> {
    const rows = this.statement(
      `SELECT DISTINCT s."traceId" FROM "Step" s JOIN "StepRevision" r ON r."stepId" = s."id" AND r."revision" = 0
       WHERE s."traceId" IN (SELECT value FROM json_each(?)) AND s."revision" > 0`,
    ).all(ids(traceIds)) as Array<{ traceId: number }>;
    return new Set(rows.map((r) => r.traceId));
  }

  /** Revision 0 (the teacher's original) of edited steps. */
  originals(stepIds: number[]): Array<{ stepId: number; text: string | null; args: string | null; result: string | null }> {
    if (stepIds.length === 0) return [];
    return withJsonText(this.statement(`SELECT "stepId", "text", "args", "result" FROM "StepRevision" WHERE "stepId" IN (SELECT value FROM json_each(?)) AND "revision" = 0`).all(ids(stepIds)) as Array<{ stepId: number; text: string | null; args: string | null; result: string | null }>);
  }

  // ---- planning tables (TEMP: private to this connection, on disk when large) ----

  createPlan(): void {
    this.handle.exec(`
      CREATE TEMP TABLE "cand" (
        "traceId" INTEGER PRIMARY KEY, "imageKey" TEXT NOT NULL, "groupKey" TEXT NOT NULL, "split" INTEGER NOT NULL,
        "mask" INTEGER NOT NULL, "judgment" INTEGER, "judgmentSource" TEXT, "jrank" INTEGER NOT NULL, "quality" REAL, "valid" INTEGER,
        "edited" INTEGER NOT NULL, "h" REAL NOT NULL, "hw" REAL NOT NULL, "rows" INTEGER NOT NULL, "sources" TEXT NOT NULL,
        "labels" TEXT, "relations" TEXT NOT NULL,
        "a0" INTEGER NOT NULL, "a1" INTEGER NOT NULL, "a2" INTEGER NOT NULL, "a3" INTEGER NOT NULL, "a4" INTEGER NOT NULL, "a5" INTEGER NOT NULL,
        "skip" TEXT, "cls" TEXT);
      CREATE TEMP TABLE "base" (
        "id" INTEGER PRIMARY KEY, "split" INTEGER NOT NULL, "cls" TEXT NOT NULL, "groupKey" TEXT NOT NULL, "traceId" INTEGER NOT NULL,
        "otherId" INTEGER, "pair" TEXT, "h" REAL NOT NULL, "hw" REAL NOT NULL, "rows" INTEGER NOT NULL);
      CREATE TEMP TABLE "unit" (
        "ord" INTEGER PRIMARY KEY, "split" INTEGER NOT NULL, "cls" TEXT NOT NULL, "traceId" INTEGER NOT NULL,
        "otherId" INTEGER, "pair" TEXT, "rows" INTEGER NOT NULL, "leader" INTEGER);
    `);
  }

  insertCandidate(c: CandidateRow): void {
    this.statement(
      `INSERT INTO "cand" ("traceId", "imageKey", "groupKey", "split", "mask", "judgment", "judgmentSource", "jrank", "quality", "valid", "edited", "h", "hw", "rows", "sources", "labels", "relations", "a0", "a1", "a2", "a3", "a4", "a5")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(c.traceId, c.imageKey, c.groupKey, c.split, c.mask, c.judgment, c.judgmentSource, c.jrank, c.quality, c.valid, c.edited, c.h, c.hw, c.rows, c.sources, c.labels, c.relations, ...c.agreement);
  }

  candidates(traceIds: number[]): PlannedTrace[] {
    return this.forTraces<PlannedTrace>(`SELECT "traceId", "judgment", "judgmentSource", "quality", "valid", "labels", "relations" FROM "cand"`, `"traceId"`, "", traceIds, (r) => r.traceId);
  }

  /** Candidates having each class bit (for the rarity order). */
  classCounts(classBits: number[]): number[] {
    const sums = classBits.map((bit) => `SUM(("mask" & ${bit}) != 0)`).join(", ");
    const row = this.handle.prepare(`SELECT ${sums} FROM "cand"`).raw().get() as Array<number | null>;
    return row.map((n) => n ?? 0);
  }

  /** cls = the first class (in rarity order) whose bit is set, else 'none'. */
  assignClasses(order: Array<{ bit: number; name: string }>): void {
    const cases = order.map((c) => `WHEN ("mask" & ${c.bit}) != 0 THEN '${c.name}'`).join(" ");
    this.handle.exec(`UPDATE "cand" SET "cls" = CASE ${cases} ELSE 'none' END`);
  }

  /** Keeps the best-ranked trace per group (and per judgment when `byJudgment`); returns how many were dropped. */
  dedupeCandidates(byJudgment: boolean): number {
    const partition = byJudgment ? `"groupKey", "judgment"` : `"groupKey"`;
    return this.handle.prepare(
      `UPDATE "cand" SET "skip" = 'duplicate' WHERE "traceId" IN (
         SELECT "traceId" FROM (SELECT "traceId", ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY "jrank" DESC, "quality" DESC NULLS LAST, "traceId") AS rn
                                FROM "cand" WHERE "skip" IS NULL) WHERE rn > 1)`,
    ).run().changes;
  }

  baseFromCandidates(): void {
    this.handle.exec(`INSERT INTO "base" ("split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT "split", "cls", "groupKey", "traceId", NULL, NULL, "h", "hw", "rows" FROM "cand" WHERE "skip" IS NULL ORDER BY "traceId"`);
  }

  /**
   * DPO units: within each group the i-th best accepted trace pairs with the i-th rejected one
   * (best = higher quality, then lower id); an accepted edited trace pairs with its own original.
   * Returns the number of candidate traces that ended up in no pair.
   */
  basePairs(): number {
    this.handle.exec(`
      INSERT INTO "base" ("split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT c."split", c."cls", c."groupKey", c."traceId", r."traceId", 'group', c."h", c."hw", 1
      FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY "quality" DESC NULLS LAST, "traceId") AS rn FROM "cand" WHERE "skip" IS NULL AND "judgment" = 1) c
      JOIN (SELECT *, ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY "quality" ASC NULLS LAST, "traceId") AS rn FROM "cand" WHERE "skip" IS NULL AND "judgment" = 0) r
        ON r."groupKey" = c."groupKey" AND r.rn = c.rn
      ORDER BY c."traceId";
      INSERT INTO "base" ("split", "cls", "groupKey", "traceId", "otherId", "pair", "h", "hw", "rows")
      SELECT "split", "cls", "groupKey", "traceId", "traceId", 'edit', "h", "hw", 1 FROM "cand" WHERE "skip" IS NULL AND "edited" = 1 AND "judgment" = 1 ORDER BY "traceId";
    `);
    return this.handle.prepare(
      `UPDATE "cand" SET "skip" = 'no_pair' WHERE "skip" IS NULL AND "traceId" NOT IN (SELECT "traceId" FROM "base" UNION SELECT "otherId" FROM "base")`,
    ).run().changes;
  }

  /** One pair per group: edit pairs first (a human correction against its original), then the best group pair. */
  dedupePairs(): number {
    return this.handle.prepare(
      `DELETE FROM "base" WHERE "id" IN (SELECT "id" FROM (
         SELECT "id", ROW_NUMBER() OVER (PARTITION BY "groupKey" ORDER BY ("pair" = 'edit') DESC, "id") AS rn FROM "base") WHERE rn > 1)`,
    ).run().changes;
  }

  /** Caps per class: keeps a hash-ordered (seeded, random-looking) subset of each capped class. */
  capClasses(caps: Array<{ cls: string; cap: number }>): number {
    if (caps.length === 0) return 0;
    const limit = `CASE "cls" ${caps.map((c) => `WHEN '${c.cls}' THEN ${Math.floor(c.cap)}`).join(" ")} ELSE -1 END`;
    return this.handle.prepare(
      `DELETE FROM "base" WHERE "id" IN (SELECT "id" FROM (
         SELECT "id", "cls", ROW_NUMBER() OVER (PARTITION BY "cls" ORDER BY "h", "id") AS rn FROM "base")
       WHERE ${limit} >= 0 AND rn > ${limit})`,
    ).run().changes;
  }

  /**
   * Final units in output order (split, then trace id): train units of weighted classes are
   * repeated floor(w) times plus once more when the unit's own hash falls below the fraction.
   * Returns the number of base units that got no copy (weight < 1).
   */
  buildUnits(weights: Array<{ cls: string; weight: number }>): number {
    const order = `b."traceId", b."pair", b."otherId"`;
    const columns = `b."split", b."cls", b."traceId", b."otherId", b."pair", b."rows"`;
    if (weights.length === 0) {
      this.handle.exec(`INSERT INTO "unit" ("ord", "split", "cls", "traceId", "otherId", "pair", "rows")
        SELECT ROW_NUMBER() OVER (ORDER BY ${order}), ${columns} FROM "base" b`);
      return 0;
    }
    const w = `(CASE b."cls" ${weights.map((x) => `WHEN '${x.cls}' THEN ${Number(x.weight)}`).join(" ")} ELSE 1.0 END)`;
    const repeats = `(CASE WHEN b."split" = 0 THEN CAST(${w} AS INTEGER) + ((${w} - CAST(${w} AS INTEGER)) > b."hw") ELSE 1 END)`;
    const most = Math.ceil(Math.max(1, ...weights.map((x) => x.weight)));
    this.handle.exec(`
      WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${most - 1}),
        r AS (SELECT b.*, ${repeats} AS repeats FROM "base" b)
      INSERT INTO "unit" ("ord", "split", "cls", "traceId", "otherId", "pair", "rows")
      SELECT ROW_NUMBER() OVER (ORDER BY ${order}, n.k), ${columns} FROM r b JOIN n ON n.k < b.repeats`);
    return (this.handle.prepare(`SELECT COUNT(*) AS n FROM "base" b WHERE ${repeats} = 0`).get() as { n: number }).n;
  }

  /**
   * Multi-turn: the units of one image and split become one conversation led by its first unit
   * (rows 1); the others point at it (rows 0) and are written inside its row. A weighted copy of a
   * trace goes to the conversation of the same copy number, so weights repeat conversations' turns
   * instead of repeating a question inside one. Traces without an image stay alone (their split key
   * is their question). Returns the number of conversations.
   */
  groupTurns(): number {
    this.handle.exec(`
      CREATE TEMP TABLE "turnlead" AS
      SELECT "ord", FIRST_VALUE("ord") OVER (PARTITION BY "split", "conversation", "copy" ORDER BY "ord") AS "lead"
      FROM (SELECT u."ord", u."split",
                   CASE WHEN c."imageKey" LIKE 'question:%' THEN 'trace:' || u."traceId" ELSE c."imageKey" END AS "conversation",
                   ROW_NUMBER() OVER (PARTITION BY u."traceId" ORDER BY u."ord") AS "copy"
            FROM "unit" u JOIN "cand" c ON c."traceId" = u."traceId");
      UPDATE "unit" SET "leader" = t."lead", "rows" = 0 FROM "turnlead" t WHERE t."ord" = "unit"."ord" AND t."lead" <> t."ord";
      DROP TABLE "turnlead";`);
    return (this.handle.prepare(`SELECT COUNT(*) AS n FROM "unit" WHERE "leader" IS NULL`).get() as { n: number }).n;
  }

  /** Multi-turn: the units following each given leader, in conversation order. */
  turnsOf(leaders: number[]): UnitRow[] {
    if (leaders.length === 0) return [];
    return this.statement(
      `SELECT "ord", "split", "cls", "traceId", "otherId", "pair", "rows", "leader" FROM "unit" WHERE "leader" IN (SELECT value FROM json_each(?)) ORDER BY "ord"`,
    ).all(JSON.stringify(leaders)) as UnitRow[];
  }

  unitTotals(): { units: number; rows: number } {
    const row = this.handle.prepare(`SELECT COUNT(*) AS units, COALESCE(SUM("rows"), 0) AS rows FROM "unit"`).get() as { units: number; rows: number };
    return row;
  }

  rowsBySplitAndClass(): Array<{ split: number; cls: string; rows: number }> {
    return this.handle.prepare(`SELECT "split", "cls", SUM("rows") AS rows FROM "unit" GROUP BY "split", "cls" ORDER BY "split", "cls"`).all() as Array<{ split: number; cls: string; rows: number }>;
  }

  /** Distinct images (split keys) per split of the exported units. */
  imagesBySplit(): Array<{ split: number; images: number }> {
    return this.handle.prepare(
      `SELECT u."split", COUNT(DISTINCT c."imageKey") AS images FROM "unit" u JOIN "cand" c ON c."traceId" = u."traceId" GROUP BY u."split" ORDER BY u."split"`,
    ).all() as Array<{ split: number; images: number }>;
  }

  /**
   * Image file names that land in more than one split: the same picture under keys that differ
   * (no stored bytes to hash, or different bytes — a re-encoded copy — in two datasets).
   */
  leakedImages(limit: number): Array<{ name: string; splits: string }> {
    return this.handle.prepare(
      `SELECT i."name" AS name, group_concat(DISTINCT c."split") AS splits
       FROM "cand" c JOIN "Trace" t ON t."id" = c."traceId" JOIN "Image" i ON i."id" = t."imageId"
       WHERE c."traceId" IN (SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL)
       GROUP BY i."name" HAVING COUNT(DISTINCT c."split") > 1 ORDER BY i."name" LIMIT ?`,
    ).all(limit) as Array<{ name: string; splits: string }>;
  }

  /** The traces that appear in the export (either side of a pair), each once. */
  exportedTraces(): { traces: number; images: number; agreement: number[] } {
    const exported = `SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL`;
    const row = this.handle.prepare(
      `SELECT COUNT(*) AS traces, COUNT(DISTINCT CASE WHEN "imageKey" LIKE 'sha256:%' OR "imageKey" LIKE 'name:%' THEN "imageKey" END) AS images,
              COALESCE(SUM("a0"), 0) AS a0, COALESCE(SUM("a1"), 0) AS a1, COALESCE(SUM("a2"), 0) AS a2, COALESCE(SUM("a3"), 0) AS a3, COALESCE(SUM("a4"), 0) AS a4, COALESCE(SUM("a5"), 0) AS a5
       FROM "cand" WHERE "traceId" IN (${exported})`,
    ).get() as Record<string, number>;
    return { traces: row.traces, images: row.images, agreement: [row.a0, row.a1, row.a2, row.a3, row.a4, row.a5] };
  }

  /** Label sources of the exported traces, streamed (constant memory). */
  *exportedSources(): Generator<{ sources: string; judgmentSource: string | null }> {
    const exported = `SELECT "traceId" FROM "unit" UNION SELECT "otherId" FROM "unit" WHERE "otherId" IS NOT NULL`;
    yield* this.handle.prepare(`SELECT "sources", "judgmentSource" FROM "cand" WHERE "traceId" IN (${exported}) ORDER BY "traceId"`).iterate() as Iterable<{ sources: string; judgmentSource: string | null }>;
  }

  unitPage(afterOrd: number, limit: number): UnitRow[] {
    return this.statement(`SELECT "ord", "split", "cls", "traceId", "otherId", "pair", "rows", "leader" FROM "unit" WHERE "ord" > ? ORDER BY "ord" LIMIT ?`).all(afterOrd, limit) as UnitRow[];
  }
}
