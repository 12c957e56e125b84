import type Database from "better-sqlite3";
import pg from "pg";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PostgresPrismaClient } from "@/lib/generated/postgres/client";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import fs from "node:fs";
import path from "node:path";

// The only PrismaClient, and the raw connection under it (docs/design.md §14). DATABASE_URL picks
// the dialect: file:… is SQLite through better-sqlite3 (the embedded default), postgresql://… is
// PostgreSQL through @prisma/adapter-pg on one explicitly configured `pg` pool.
//
// Two generated clients (lib/generated/prisma for SQLite, lib/generated/postgres for PostgreSQL,
// both from prisma/schema.prisma): a Prisma client is compiled for one provider and refuses an
// adapter of another. Their model APIs are generated from the same models, so the PostgreSQL
// client is typed as the SQLite one and every service stays dialect-neutral.
//
// Bulk paths bypass Prisma's query compiler (createMany is ~20x slower than prepared statements)
// and go through lib/db/sql.ts, which writes through the very connection (SQLite) or pool
// (PostgreSQL) Prisma uses. The older synchronous contract — `sqlite()` / `writeTransaction` on
// the better-sqlite3 handle — is SQLite-only; callers not yet ported to lib/db/sql.ts fail on
// PostgreSQL with a clear error naming the area (docs/design.md §14 lists them).

export type Dialect = "sqlite" | "postgres";

interface Connection {
  url: string;
  dialect: Dialect;
  prisma: PrismaClient;
  handle: Database.Database | null;
  pool: pg.Pool | null;
}

const globalForDb = globalThis as unknown as { __stepwiseDb?: Connection };

/** The dialect of a DATABASE_URL; anything else than file: or postgres(ql):// is invalid input. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgres";
  throw new AppError("invalid_input", `DATABASE_URL ${url}: use file:<path> (SQLite) or postgresql://user:password@host:port/database`);
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new AppError("invalid_input", `${name}=${raw}: expected a whole number`);
  return value;
}

/**
 * The pool's settings, all explicit (node-postgres defaults are unlimited waits and no
 * keepalive). Overridable by environment; docs/postgres.md lists them.
 */
export function poolConfig(url: string): pg.PoolConfig {
  return {
    connectionString: url,
    application_name: "stepwise",
    // timestamps are stored as UTC (what Prisma writes); CURRENT_TIMESTAMP in raw SQL must agree.
    // jit off: Stepwise's statements are short index-driven reads and batch writes, and JIT
    // compilation (triggered by cost estimates, not run time) cost 2.2 s per calibration batch of 0.1 s
    options: "-c TimeZone=UTC -c jit=off",
    max: intEnv("STEPWISE_PG_POOL_MAX", 10),
    // waiting for a free connection / a new connection longer than this is an error
    connectionTimeoutMillis: intEnv("STEPWISE_PG_CONNECT_TIMEOUT_MS", 10_000),
    // idle connections are closed after this (0 = never)
    idleTimeoutMillis: intEnv("STEPWISE_PG_IDLE_TIMEOUT_MS", 30_000),
    // server-side limits: one statement, and a transaction left idle by a crashed caller
    statement_timeout: intEnv("STEPWISE_PG_STATEMENT_TIMEOUT_MS", 300_000),
    idle_in_transaction_session_timeout: intEnv("STEPWISE_PG_IDLE_TX_TIMEOUT_MS", 60_000),
    // TCP keepalive: a dead peer (NAT, failover) is noticed instead of hanging forever
    keepAlive: true,
    keepAliveInitialDelayMillis: intEnv("STEPWISE_PG_KEEPALIVE_MS", 10_000),
  };
}

function connectSqlite(url: string): Connection {
  const file = sqliteFile(url);
  if (!file) throw new AppError("internal", `DATABASE_URL ${url}: not a SQLite file: URL`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const connection: Connection = { url, dialect: "sqlite", prisma: undefined as unknown as PrismaClient, handle: null, pool: null };
  const factory = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 });
  const connectAdapter = factory.connect.bind(factory);
  // Capture the better-sqlite3 handle the adapter opens so bulk paths share it.
  factory.connect = async () => {
    const adapter = await connectAdapter();
    const handle = (adapter as unknown as { client: Database.Database }).client;
    handle.pragma("journal_mode = WAL");
    handle.pragma("synchronous = NORMAL");
    handle.pragma("foreign_keys = ON");
    handle.pragma("busy_timeout = 10000");
    connection.handle = handle;
    (adapter as unknown as { client: Database.Database }).client = withStatementCache(handle);
    return adapter;
  };
  connection.prisma = new PrismaClient({ adapter: factory });
  return connection;
}

/**
 * Writers of this process waiting for SQLite's write lock, shared with an import thread
 * (lib/services/import/import-thread.ts): a writer here waits synchronously (busy_timeout, its event
 * loop stopped), polling the lock every up to 100 ms, and a thread that begins its next chunk at once
 * after each commit would take the lock before every poll — seconds of stall. So a writer here
 * counts itself while it waits, and the thread lets it in before its next chunk (`yieldToWriters`).
 */
const globalForWriters = globalThis as unknown as { __stepwiseWriters?: Int32Array };

export function waitingWriters(): Int32Array {
  globalForWriters.__stepwiseWriters ??= new Int32Array(new SharedArrayBuffer(4));
  return globalForWriters.__stepwiseWriters;
}

/** In a worker thread: count the waiting writers of the thread that started it (its `waitingWriters()`). */
export function shareWaitingWriters(counter: Int32Array): void {
  globalForWriters.__stepwiseWriters = counter;
}

/** Takes SQLite's write lock (`begin`, synchronous) counted as a waiting writer meanwhile. */
export function beginCounted<T>(begin: () => T): T {
  const counter = waitingWriters();
  Atomics.add(counter, 0, 1);
  try {
    return begin();
  } finally {
    Atomics.sub(counter, 0, 1);
  }
}

/** Resolves once no writer of the sharing threads waits for the lock (checked every millisecond). */
export async function yieldToWriters(): Promise<void> {
  const counter = waitingWriters();
  while (Atomics.load(counter, 0) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Statements the Prisma adapter keeps prepared (by SQL text, least recently used out). */
const PRISMA_STATEMENT_CACHE = 256;

/**
 * The handle as Prisma's SQLite adapter sees it, with its statements cached: the adapter prepares
 * every query afresh (`client.prepare(sql).bind(args)`), and preparing was ~8% of a list request's
 * CPU in the load bench's profile (bench/README.md "load"). A bound better-sqlite3 statement cannot
 * be bound again, so `prepare` hands out a small façade with exactly what the adapter calls —
 * `reader`, `run()` (BEGIN), `bind(args)` → `columns()`, `run()`, `raw().all()` — over one cached statement that
 * takes the arguments per call. Everything else goes to the real handle. Only the adapter gets this
 * view; the app's own raw SQL keeps the plain handle. Its transactions begin IMMEDIATE (see `prepare`).
 */
function withStatementCache(handle: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let cached = cache.get(sql);
    if (cached) cache.delete(sql);
    else cached = handle.prepare(sql);
    cache.set(sql, cached);
    if (cache.size > PRISMA_STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    return cached;
  };
  const prepare = (text: string) => {
    // the adapter opens transactions with a deferred BEGIN: one that reads first and writes later
    // fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection — an import
    // thread, a CLI import — committed in between; IMMEDIATE takes the write lock up front and
    // waits its turn (busy_timeout) instead
    const begin = text === "BEGIN";
    const st = statement(begin ? "BEGIN IMMEDIATE" : text);
    return {
      reader: st.reader,
      run: () => (begin ? beginCounted(() => st.run()) : st.run()),
      bind: (args: unknown[]) => ({
        reader: st.reader,
        columns: () => st.columns(),
        run: () => st.run(args),
        raw: () => ({ all: () => st.raw(true).all(args) }),
      }),
    };
  };
  return new Proxy(handle, {
    get(target, property) {
      if (property === "prepare") return prepare;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function connectPostgres(url: string): Connection {
  const pool = new pg.Pool(poolConfig(url));
  // an idle client's error (server restart, network) must not crash the process; the next query reconnects
  pool.on("error", (error) => console.error(`stepwise: PostgreSQL connection lost: ${error.message}`));
  const adapter = new PrismaPg(pool);
  const prisma = new PostgresPrismaClient({ adapter }) as unknown as PrismaClient;
  return { url, dialect: "postgres", prisma, handle: null, pool };
}

function connection(): Connection {
  const url = env().DATABASE_URL;
  const current = globalForDb.__stepwiseDb;
  if (current && current.url === url) return current;
  const next = dialectOf(url) === "postgres" ? connectPostgres(url) : connectSqlite(url);
  globalForDb.__stepwiseDb = next;
  return next;
}

export function db(): PrismaClient {
  return connection().prisma;
}

/** The dialect of the current DATABASE_URL. */
export function dialect(): Dialect {
  return dialectOf(env().DATABASE_URL);
}

/** The `pg` pool under Prisma (PostgreSQL only). */
export function pgPool(): pg.Pool {
  const current = connection();
  if (!current.pool) throw new AppError("internal", "pgPool() called on a SQLite database");
  return current.pool;
}

function sqliteOnly(area: string | undefined): never {
  throw new AppError(
    "internal",
    `${area ?? "this operation"} is not ported to PostgreSQL yet (it still uses the SQLite-only handle); run it on a SQLite DATABASE_URL — see docs/postgres.md`,
  );
}

/**
 * The better-sqlite3 handle under Prisma (opened on first use). Integers come back as numbers.
 * SQLite only: new code uses lib/db/sql.ts, which works on both dialects.
 */
export async function sqlite(area?: string): Promise<Database.Database> {
  const current = connection();
  if (current.dialect !== "sqlite") sqliteOnly(area);
  if (!current.handle) await current.prisma.$connect();
  if (!current.handle) throw new AppError("internal", "database handle not available");
  return current.handle;
}

/**
 * Runs `work` synchronously inside BEGIN IMMEDIATE ... COMMIT on the shared connection.
 * Because it never yields, no other query can interleave with it; if a Prisma interactive
 * transaction is open on the connection we wait for it to finish first. Throwing rolls back.
 * SQLite only (lib/db/sql.ts `transaction` is the dialect-neutral form).
 */
export async function writeTransaction<T>(work: (handle: Database.Database) => T, area?: string): Promise<T> {
  const handle = await sqlite(area);
  while (handle.inTransaction) await new Promise((resolve) => setImmediate(resolve));
  const transaction = handle.transaction(() => work(handle));
  return beginCounted(() => transaction.immediate());
}

/** Prepared statement returning plain numbers (Prisma turns safe integers on for the handle). */
export function prepare(handle: Database.Database, sql: string): Database.Statement {
  const statement = handle.prepare(sql);
  return statement.reader ? statement.safeIntegers(false) : statement;
}

export async function disconnect(): Promise<void> {
  const current = globalForDb.__stepwiseDb;
  if (!current) return;
  globalForDb.__stepwiseDb = undefined;
  await current.prisma.$disconnect();
  if (current.pool && !current.pool.ended) await current.pool.end();
}
