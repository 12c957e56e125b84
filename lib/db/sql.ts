import type Database from "better-sqlite3";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { beginCounted, dialect, gateWrite, pgPool, takeSqliteTurn, prepare, sqlite, writeTransaction, type Dialect } from "@/lib/db";
import { AppError } from "@/lib/errors";

// The async SQL seam (docs/design.md §14): raw SQL that runs on SQLite and on PostgreSQL. One SQL
// text serves both dialects; the differences are handled here, in one place:
//
// - placeholders: callers write `?`; PostgreSQL gets `$1, $2, …` (question marks inside string
//   literals, quoted identifiers and comments are left alone);
// - case: SQLite ignores the case of identifiers, PostgreSQL folds unquoted ones to lower case, so a
//   bare camelCase word (an alias such as `AS stepId`, `m.failMask`) is quoted on PostgreSQL — rows
//   come back with the same keys on both dialects. Keywords are written in capitals or lower case;
// - parameters: booleans become 1/0 on SQLite (better-sqlite3 cannot bind them; PostgreSQL's
//   boolean input accepts '1'/'0' as well), Dates become ISO-8601 UTC text on both;
// - results look like SQLite's on both: BIGINT (COUNT), NUMERIC (SUM, AVG) come back as numbers,
//   BOOLEAN as 1/0, JSON/JSONB as their text, TIMESTAMP as ISO-8601 UTC text;
// - new row ids: `insert()` appends RETURNING "id" on PostgreSQL and reads lastInsertRowid on SQLite;
// - bulk rows: `insertMany()` runs prepared multi-row INSERTs of 64 rows on SQLite and sends
//   multi-row INSERTs of up to ~1,000 rows (65,535 parameters at most) on PostgreSQL.
//
// Portable SQL is the caller's part: quote mixed-case identifiers ("datasetId"), write TRUE/FALSE
// or parameters for booleans, `ON CONFLICT (…) DO NOTHING` rather than INSERT OR IGNORE, COALESCE
// rather than IFNULL; `sqlDialect()` tells the rare statement that must differ.
//
// Transactions: `transaction(async (tx) => …)` is BEGIN IMMEDIATE … COMMIT on SQLite's shared
// connection and BEGIN … COMMIT on one pooled client on PostgreSQL. On SQLite the statements
// inside run synchronously; the work must await only `tx` calls (no network, no timers), so no
// other query of the process slips into the transaction between them.

export type Param = string | number | bigint | boolean | null | Date | Uint8Array;
export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows changed by the statement. */
  changes: number;
}

export interface Sql {
  readonly dialect: Dialect;
  all<T = Row>(text: string, params?: readonly Param[]): Promise<T[]>;
  get<T = Row>(text: string, params?: readonly Param[]): Promise<T | undefined>;
  run(text: string, params?: readonly Param[]): Promise<RunResult>;
  /** An INSERT of one row into a table with an integer "id"; returns the new id. */
  insert(text: string, params?: readonly Param[]): Promise<number>;
  /**
   * Inserts `rows` (each one value per column) into `table`; `conflict` is an optional
   * `ON CONFLICT …` clause (both dialects). Returns the rows inserted.
   */
  insertMany(table: string, columns: readonly string[], rows: readonly (readonly Param[])[], conflict?: string): Promise<number>;
}

/** The dialect of the current database (for the rare statement that must differ). */
export function sqlDialect(): Dialect {
  return dialect();
}

// ---------------------------------------------------------------------------------------------
// Text translation (PostgreSQL)

const translated = new Map<string, string>();

const CAMEL = /^[a-z_][a-z0-9_]*[A-Z][A-Za-z0-9_]*$/;

/**
 * `?` placeholders to `$n` and bare camelCase identifiers quoted, skipping string literals ('…'),
 * quoted identifiers ("…") and comments. Cached: a statement text is translated once per process.
 */
export function toPostgres(text: string): string {
  const cached = translated.get(text);
  if (cached !== undefined) return cached;
  let out = "";
  let n = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = closing(text, i, c);
      out += text.slice(i, end);
      i = end;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === "?") {
      out += `$${++n}`;
      i++;
    } else if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z0-9_$]/.test(text[i - 1]))) {
      let end = i + 1;
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end])) end++;
      const word = text.slice(i, end);
      out += CAMEL.test(word) ? `"${word}"` : word;
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  if (translated.size > 5_000) translated.clear();
  translated.set(text, out);
  return out;
}

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closing(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

// ---------------------------------------------------------------------------------------------
// Prepared statements (PostgreSQL)

/** Texts marked by `prepared`, with their statement names. */
const preparedNames = new Map<string, string>();
/** Marking stops beyond this many texts (a caller marking texts with values inlined would grow it without end). */
const PREPARED_MAX = 1_000;

/**
 * Marks a statement text to run as a named prepared statement on PostgreSQL: parsed once per
 * connection and, after PostgreSQL's first five custom plans, planned once (its generic plan).
 * For the hot statements of a request, where planning is a good part of the server's work (a review
 * action's and the trace page's statements: 1–2 ms of planning each at 1M traces, bench/README.md).
 * Only constant texts (parameters for the values; a few variants at most); returns the text.
 * No effect on SQLite, whose statements the seam caches prepared anyway.
 */
export function prepared(text: string): string {
  if (!preparedNames.has(text) && preparedNames.size < PREPARED_MAX) preparedNames.set(text, preparedName(text));
  return text;
}

/**
 * A statement's name from its text, not from the order texts were marked in: the server bundles
 * of Next.js can hold several instances of this module, all on the one pool (lib/db.ts keeps it on
 * globalThis), and a counter would give two texts the same name on one connection ("Prepared
 * statements must be unique").
 */
function preparedName(text: string): string {
  return `stepwise_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Parameters and result types

function sqliteParam(value: Param): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

function pgParam(value: Param): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return value;
}

const OID = { bool: 16, int8: 20, json: 114, numeric: 1700, timestamp: 1114, timestamptz: 1184, jsonb: 3802 } as const;

const identity = (value: string) => value;
const toNumber = (value: string) => Number(value);
const toIsoUtc = (value: string) => new Date(`${value.replace(" ", "T")}Z`).toISOString();
const toIso = (value: string) => new Date(value).toISOString();
const toFlag = (value: string) => (value === "t" ? 1 : 0);

/** Type parsers giving SQLite-shaped values (see the header); used only by this seam's queries. */
export const sqliteShapedTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    switch (oid) {
      case OID.bool:
        return toFlag;
      case OID.int8:
      case OID.numeric:
        return toNumber;
      case OID.json:
      case OID.jsonb:
        return identity;
      case OID.timestamp:
        return toIsoUtc;
      case OID.timestamptz:
        return toIso;
      default:
        return pg.types.getTypeParser(oid, format ?? "text");
    }
  },
} as unknown as pg.CustomTypesConfig;

// ---------------------------------------------------------------------------------------------
// SQLite

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function statementOf(handle: Database.Database, text: string): Database.Statement {
  let cache = statements.get(handle);
  if (!cache) {
    cache = new Map();
    statements.set(handle, cache);
  }
  let statement = cache.get(text);
  if (!statement) {
    statement = prepare(handle, text);
    if (cache.size > 2_000) cache.clear();
    cache.set(text, statement);
  }
  return statement;
}

/** The SQLite implementation; every call runs synchronously and returns a settled promise. */
export class SqliteSql implements Sql {
  readonly dialect = "sqlite" as const;
  constructor(readonly handle: Database.Database) {}

  async all<T = Row>(text: string, params: readonly Param[] = []): Promise<T[]> {
    return statementOf(this.handle, text).all(...params.map(sqliteParam)) as T[];
  }

  async get<T = Row>(text: string, params: readonly Param[] = []): Promise<T | undefined> {
    return statementOf(this.handle, text).get(...params.map(sqliteParam)) as T | undefined;
  }

  async run(text: string, params: readonly Param[] = []): Promise<RunResult> {
    return this.write(() => ({ changes: statementOf(this.handle, text).run(...params.map(sqliteParam)).changes }));
  }

  async insert(text: string, params: readonly Param[] = []): Promise<number> {
    return this.write(() => Number(statementOf(this.handle, text).run(...params.map(sqliteParam)).lastInsertRowid));
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly Param[])[], conflict = ""): Promise<number> {
    return this.write(() => insertRowsSync(this.handle, table, columns, rows, conflict));
  }

  /** A write: inside a transaction as it is; on its own, after the write gate (lib/db.ts gateWrite). */
  private async write<T>(work: () => T): Promise<T> {
    if (this.handle.inTransaction) return work();
    const gate = await gateWrite();
    try {
      return work();
    } finally {
      gate.ended();
    }
  }
}

/**
 * Rows per INSERT on SQLite: one multi-row `VALUES (…), (…), …` statement per 64 rows, so the
 * per-call cost (statement reset, step, JS ↔ native crossing) is paid once per 64 rows; the rest
 * through a single-row statement. Both prepared once (the seam's cache); within SQLite's oldest
 * bound-parameter limit (999).
 */
const SQLITE_BATCH_ROWS = 64;
const SQLITE_MAX_PARAMS = 999;

function insertRowsSync(handle: Database.Database, table: string, columns: readonly string[], rows: readonly (readonly Param[])[], conflict: string): number {
  const per = Math.max(1, Math.min(SQLITE_BATCH_ROWS, Math.floor(SQLITE_MAX_PARAMS / columns.length)));
  let changes = 0;
  let start = 0;
  if (per > 1 && rows.length >= per) {
    const statement = statementOf(handle, insertRows(table, columns, per, conflict));
    const values: unknown[] = new Array(per * columns.length);
    for (; start + per <= rows.length; start += per) {
      let n = 0;
      for (let r = start; r < start + per; r++) for (const value of rows[r]) values[n++] = sqliteParam(value);
      changes += statement.run(values).changes;
    }
  }
  if (start < rows.length) {
    const statement = statementOf(handle, insertRows(table, columns, 1, conflict));
    for (; start < rows.length; start++) changes += statement.run(...rows[start].map(sqliteParam)).changes;
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** Parameters per statement: PostgreSQL's wire protocol allows 65,535. */
const PG_MAX_PARAMS = 65_000;
const PG_MAX_ROWS = 1_000;

type PgQueryable = pg.Pool | pg.PoolClient;

/** The PostgreSQL implementation over the pool (autocommit) or one client (in a transaction). */
export class PostgresSql implements Sql {
  readonly dialect = "postgres" as const;
  constructor(private readonly client: PgQueryable) {}

  /** The pool or transaction client under this seam (for COPY, `copyRows`). */
  queryable(): PgQueryable {
    return this.client;
  }

  private async query(text: string, params: readonly Param[]): Promise<pg.QueryResult> {
    try {
      return await this.client.query({ name: preparedNames.get(text), text: toPostgres(text), values: params.map(pgParam), types: sqliteShapedTypes });
    } catch (error) {
      throw pgError(error, text);
    }
  }

  async all<T = Row>(text: string, params: readonly Param[] = []): Promise<T[]> {
    return (await this.query(text, params)).rows as T[];
  }

  async get<T = Row>(text: string, params: readonly Param[] = []): Promise<T | undefined> {
    return (await this.query(text, params)).rows[0] as T | undefined;
  }

  async run(text: string, params: readonly Param[] = []): Promise<RunResult> {
    return { changes: (await this.query(text, params)).rowCount ?? 0 };
  }

  async insert(text: string, params: readonly Param[] = []): Promise<number> {
    const result = await this.query(/\bRETURNING\b/i.test(text) ? text : `${text} RETURNING "id"`, params);
    const row = result.rows[0] as { id?: unknown } | undefined;
    if (row?.id === undefined) throw new AppError("internal", `insert returned no id: ${text.slice(0, 120)}`);
    return Number(row.id);
  }

  async insertMany(table: string, columns: readonly string[], rows: readonly (readonly Param[])[], conflict = ""): Promise<number> {
    if (!rows.length) return 0;
    const per = Math.max(1, Math.min(PG_MAX_ROWS, Math.floor(PG_MAX_PARAMS / columns.length)));
    const head = `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES `;
    let changes = 0;
    for (let start = 0; start < rows.length; start += per) {
      const chunk = rows.slice(start, start + per);
      const values: Param[] = [];
      const tuples: string[] = [];
      let n = 0;
      for (const row of chunk) {
        tuples.push(`(${row.map(() => `$${++n}`).join(", ")})`);
        for (const value of row) values.push(value);
      }
      // already numbered: bypass toPostgres (no `?` in it) by going to the client directly
      try {
        const result = await this.client.query({ text: `${head}${tuples.join(", ")} ${conflict}`, values: values.map(pgParam), types: sqliteShapedTypes });
        changes += result.rowCount ?? 0;
      } catch (error) {
        throw pgError(error, `${head}… (${chunk.length} rows)`);
      }
    }
    return changes;
  }
}

function quote(identifier: string): string {
  return identifier.startsWith('"') ? identifier : `"${identifier.replaceAll('"', '""')}"`;
}

/** PostgreSQL errors keep their SQLSTATE `code` (unique violation 23505, …) and name the statement. */
function pgError(error: unknown, text: string): Error {
  if (error instanceof Error) {
    error.message = `${error.message} (in: ${text.replace(/\s+/g, " ").slice(0, 160)})`;
    return error;
  }
  return new Error(String(error));
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Raw SQL outside a transaction (autocommit per statement). */
export async function sql(): Promise<Sql> {
  return dialect() === "postgres" ? new PostgresSql(pgPool()) : new SqliteSql(await sqlite());
}

/**
 * Runs `work` in one write transaction: committed when it resolves, rolled back when it throws.
 * SQLite: BEGIN IMMEDIATE on the shared connection (transactions of this process run one after
 * another; a Prisma interactive transaction in flight is waited for). PostgreSQL: one pooled
 * client, BEGIN … COMMIT (READ COMMITTED).
 */
export async function transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
  if (dialect() === "postgres") {
    const client = await pgPool().connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(new PostgresSql(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      // a client whose ROLLBACK failed is discarded, not reused
      client.release(broken);
    }
  }
  const handle = await sqlite();
  const release = await takeSqliteTurn();
  try {
    const gate = await gateWrite();
    try {
      beginCounted(() => handle.exec("BEGIN IMMEDIATE"));
      gate.begun();
      try {
        const result = await work(new SqliteSql(handle));
        handle.exec("COMMIT");
        return result;
      } catch (error) {
        if (handle.inTransaction) handle.exec("ROLLBACK");
        throw error;
      }
    } finally {
      gate.ended();
    }
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// Statement programs: one body of write logic, run synchronously on SQLite or awaited anywhere

/** One statement a program asks to run; the driver sends back its result. */
export type Op =
  | { kind: "run" | "get" | "all" | "insert"; text: string; params: Param[] }
  | { kind: "many"; table: string; columns: readonly string[]; rows: readonly (readonly Param[])[]; conflict: string }
  | { kind: "copy"; table: string; columns: readonly string[]; rows: readonly (readonly Param[])[] }
  | { kind: "batch"; statements: readonly Statement[] };

/** One statement of a `batch`: SQL text with `?` placeholders and its parameters. */
export interface Statement {
  text: string;
  params: readonly Param[];
}

/**
 * A generator of statements (`yield* get(…)`) returning T. Bulk write logic written this way
 * (lib/services/import/import-writer.ts) runs unchanged in two drivers: `runSync` on the
 * better-sqlite3 handle inside a synchronous writeTransaction (the SQLite fast path — no promise
 * per statement), and `runAsync` on any `Sql` (PostgreSQL, or SQLite through the seam).
 */
export type Program<T> = Generator<Op, T, unknown>;

export function* get<T = Row>(text: string, ...params: Param[]): Program<T | undefined> {
  return (yield { kind: "get", text, params }) as T | undefined;
}

export function* all<T = Row>(text: string, ...params: Param[]): Program<T[]> {
  return (yield { kind: "all", text, params }) as T[];
}

export function* run(text: string, ...params: Param[]): Program<RunResult> {
  return (yield { kind: "run", text, params }) as RunResult;
}

/** INSERT of one row returning its new "id" (lastInsertRowid on SQLite, RETURNING on PostgreSQL). */
export function* insert(text: string, ...params: Param[]): Program<number> {
  return (yield { kind: "insert", text, params }) as number;
}

/** Bulk rows (`Sql.insertMany`): multi-row INSERTs on both (64 rows each on SQLite, up to 1,000 on PostgreSQL). */
export function* many(table: string, columns: readonly string[], rows: readonly (readonly Param[])[], conflict = ""): Program<number> {
  return (yield { kind: "many", table, columns, rows, conflict }) as number;
}

/**
 * Independent writes in one round trip on PostgreSQL: one statement whose data-modifying CTEs are
 * the first statements and whose main statement is the last (`WITH w0 AS (…), w1 AS (…) <last>`);
 * on SQLite they run one after another. Returns the last statement's rows (its RETURNING; [] when
 * it has none). Each is a plain INSERT, UPDATE or DELETE (no WITH of its own). On PostgreSQL they
 * all see the snapshot taken before any of them ran, so none may depend on another's effect (no
 * statement reads what an earlier one wrote) and no two may change the same row.
 */
export function* batch<T = Row>(statements: readonly Statement[]): Program<T[]> {
  if (!statements.length) return [];
  return (yield { kind: "batch", statements }) as T[];
}

/** The text `batch` sends to PostgreSQL (placeholders stay in order: CTEs first, then the last). */
function batchText(statements: readonly Statement[]): string {
  const last = statements[statements.length - 1];
  if (statements.length === 1) return last.text;
  return `WITH ${statements.slice(0, -1).map((st, i) => `w${i} AS (${st.text})`).join(", ")} ${last.text}`;
}

/**
 * An SQL expression for the id the next row inserted into `table` gets (an integer "id" with its
 * own sequence): `nextval` of its sequence on PostgreSQL; on SQLite the AUTOINCREMENT successor
 * (its sqlite_sequence entry, or the highest id, plus one — valid inside the write transaction, where
 * no other writer inserts). Lets a program know a new row's id before writing it, so the row and
 * the rows that refer to it go in one `batch`. The row must then be inserted with that id.
 */
export function nextIdSql(table: string): string {
  const name = table.replaceAll("'", "''");
  if (dialect() === "postgres") return `(SELECT nextval(pg_get_serial_sequence('${quote(name)}', 'id')))`;
  return `(SELECT MAX(n) + 1 FROM (SELECT "seq" AS n FROM sqlite_sequence WHERE "name" = '${name}' UNION ALL SELECT COALESCE(MAX("id"), 0) FROM ${quote(table)}))`;
}

function insertRows(table: string, columns: readonly string[], rows: number, conflict: string): string {
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  return `INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES ${new Array(rows).fill(tuple).join(", ")} ${conflict}`;
}

function execSync(handle: Database.Database, op: Op): unknown {
  if (op.kind === "batch") {
    let rows: unknown[] = [];
    for (const st of op.statements) {
      const statement = statementOf(handle, st.text);
      const params = st.params.map(sqliteParam);
      if (statement.reader) rows = statement.all(...params);
      else {
        statement.run(...params);
        rows = [];
      }
    }
    return rows;
  }
  if (op.kind === "many" || op.kind === "copy") return insertRowsSync(handle, op.table, op.columns, op.rows, op.kind === "many" ? op.conflict : "");
  const statement = statementOf(handle, op.text);
  const params = op.params.map(sqliteParam);
  switch (op.kind) {
    case "get":
      return statement.get(...params);
    case "all":
      return statement.all(...params);
    case "run":
      return { changes: statement.run(...params).changes };
    case "insert":
      return Number(statement.run(...params).lastInsertRowid);
  }
}

/** Runs a program synchronously on a better-sqlite3 handle (callers hold the write transaction). */
export function runSync<T>(program: Program<T>, handle: Database.Database): T {
  let step = program.next();
  while (!step.done) step = program.next(execSync(handle, step.value));
  return step.value;
}

/** Runs a program on the seam; on SQLite it completes synchronously (one settled promise). */
export async function runAsync<T>(program: Program<T>, q: Sql): Promise<T> {
  if (q instanceof SqliteSql) return runSync(program, q.handle);
  let step = program.next();
  while (!step.done) {
    const op = step.value;
    let result: unknown;
    if (op.kind === "many") result = await q.insertMany(op.table, op.columns, op.rows, op.conflict);
    else if (op.kind === "copy") result = await copyRows(q, op.table, op.columns, op.rows);
    else if (op.kind === "batch") {
      const text = batchText(op.statements);
      if (op.statements.every((st) => preparedNames.has(st.text))) prepared(text); // a batch of prepared statements is one too
      result = await q.all(text, op.statements.flatMap((st) => st.params));
    }
    else if (op.kind === "get") result = await q.get(op.text, op.params);
    else if (op.kind === "all") result = await q.all(op.text, op.params);
    else if (op.kind === "run") result = await q.run(op.text, op.params);
    else result = await q.insert(op.text, op.params);
    step = program.next(result);
  }
  return step.value;
}

/**
 * Runs a statement program in one write transaction: synchronously inside writeTransaction on
 * SQLite (no promise per statement, nothing interleaves), awaited inside `transaction` on
 * PostgreSQL. The program may do CPU work between statements (verification) but no I/O.
 */
export async function writeProgram<T>(program: () => Program<T>): Promise<T> {
  if (dialect() === "postgres") return transaction((tx) => runAsync(program(), tx));
  return writeTransaction((handle) => runSync(program(), handle));
}

/** Runs a read-only program outside a transaction (autocommit). */
export async function readProgram<T>(program: Program<T>): Promise<T> {
  return runAsync(program, await sql());
}

// ---------------------------------------------------------------------------------------------
// COPY: the bulk path for new rows on PostgreSQL

/**
 * Bulk rows (no conflict clause: every row must be new) as a statement program: COPY … FROM STDIN
 * on PostgreSQL (pg-copy-streams, text format — the fastest way in, see bench/README.md "import"),
 * multi-row prepared INSERTs on SQLite (its fast path). Returns the rows written.
 */
export function* copy(table: string, columns: readonly string[], rows: readonly (readonly Param[])[]): Program<number> {
  if (!rows.length) return 0;
  return (yield { kind: "copy", table, columns, rows }) as number;
}

/** `copy` on a seam: COPY on PostgreSQL (on the transaction's client, else a pooled one), insertMany on SQLite. */
export async function copyRows(q: Sql, table: string, columns: readonly string[], rows: readonly (readonly Param[])[]): Promise<number> {
  if (!rows.length) return 0;
  if (!(q instanceof PostgresSql)) return q.insertMany(table, columns, rows);
  const target = q.queryable();
  const client = target instanceof pg.Pool ? await target.connect() : target;
  const text = `COPY ${quote(table)} (${columns.map(quote).join(", ")}) FROM STDIN`;
  try {
    const stream = client.query(copyFrom(text));
    await pipeline(Readable.from(copyText(rows)), stream);
    return stream.rowCount ?? rows.length;
  } catch (error) {
    throw pgError(error, `${text} (${rows.length} rows)`);
  } finally {
    if (client !== target) (client as pg.PoolClient).release();
  }
}

/** COPY's text format: tab-separated columns, \N for NULL, backslash escapes; ~256 KB a piece. */
function* copyText(rows: readonly (readonly Param[])[]): Generator<string> {
  let piece = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i) piece += "\t";
      piece += copyValue(row[i]);
    }
    piece += "\n";
    if (piece.length > 256 * 1024) {
      yield piece;
      piece = "";
    }
  }
  if (piece) yield piece;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function copyValue(value: Param): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString("hex")}`;
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]) : value;
}

/**
 * Seam-style SQL text (`?` placeholders, bare camelCase aliases) for the current dialect, for the
 * rare statement that must run through Prisma's `$queryRawUnsafe` (inside a Prisma interactive
 * transaction): unchanged on SQLite, translated as the seam does on PostgreSQL. Values come back as
 * Prisma returns them (COUNT as BigInt on PostgreSQL: wrap in Number()).
 */
export function dialectText(text: string): string {
  return dialect() === "postgres" ? toPostgres(text) : text;
}
