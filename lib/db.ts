import type Database from "better-sqlite3";
import pg from "pg";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PostgresPrismaClient } from "@/lib/generated/postgres/client";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { pgFields } from "@/scripts/pg-url.mjs";
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
  /** SQLite: the tail of the queue of this process's transactions on `handle` (`takeHandle`). */
  queue: Promise<void>;
}

const globalForDb = globalThis as unknown as { __stepwiseDb?: Connection };

/** The dialect of a DATABASE_URL; anything else than file: or postgres(ql):// is invalid input. */
export function dialectOf(url: string): Dialect {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgres";
  throw new AppError("invalid_input", `DATABASE_URL ${url}: use file:<path> (SQLite) or postgresql://user:password@host:port/database`);
}

/** The URL's connection fields (scripts/pg-url.mjs: sslmode as libpq means it); a bad URL is invalid input. */
export function connectionFields(url: string): ReturnType<typeof pgFields> {
  try {
    return pgFields(url);
  } catch (error) {
    throw new AppError("invalid_input", (error as Error).message);
  }
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
  const fields = connectionFields(url);
  return {
    ...fields,
    application_name: "stepwise",
    // timestamps are stored as UTC (what Prisma writes); CURRENT_TIMESTAMP in raw SQL must agree.
    // jit off: Stepwise's statements are short index-driven reads and batch writes, and JIT
    // compilation (triggered by cost estimates, not run time) cost 2.2 s per calibration batch of 0.1 s.
    // After the URL's own `options`, so these two win.
    options: [fields.options, "-c TimeZone=UTC -c jit=off"].filter(Boolean).join(" "),
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
  const connection: Connection = { url, dialect: "sqlite", prisma: undefined as unknown as PrismaClient, handle: null, pool: null, queue: Promise.resolve() };
  const factory = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 });
  const connectAdapter = factory.connect.bind(factory);
  // Capture the better-sqlite3 handle the adapter opens so bulk paths share it.
  factory.connect = async () => {
    const adapter = await connectAdapter();
    const handle = (adapter as unknown as { client: Database.Database }).client;
    handle.pragma("journal_mode = WAL");
    handle.pragma("synchronous = NORMAL");
    handle.pragma("foreign_keys = ON");
    handle.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    connection.handle = handle;
    (adapter as unknown as { client: Database.Database }).client = withStatementCache(handle);
    // Prisma's interactive transactions and its writes outside them (better-auth's per-request
    // token bookkeeping, say) wait at the write gate too, not in SQLite's busy handler
    const gated = <Q extends { sql: string }, R>(run: (query: Q) => Promise<R>) =>
      async (query: Q): Promise<R> => {
        if (!WRITE_STATEMENT.test(query.sql)) return run(query);
        const gate = await gateWrite({ chunk: false });
        try {
          return await run(query);
        } finally {
          gate.ended();
        }
      };
    adapter.queryRaw = gated(adapter.queryRaw.bind(adapter));
    adapter.executeRaw = gated(adapter.executeRaw.bind(adapter));
    // and take their turn on the handle with this process's other transactions (`takeHandle`):
    // the adapter's BEGIN does not look whether one is open, and SQLite refuses a nested one
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args) => {
      const release = await takeHandle(connection);
      let started: Awaited<ReturnType<typeof startTransaction>> | undefined;
      try {
        const gate = await gateWrite({ chunk: false });
        try {
          started = await startTransaction(...args);
        } finally {
          gate.begun();
        }
      } finally {
        if (!started) release();
      }
      const tx = started;
      const commit = tx.commit.bind(tx);
      const rollback = tx.rollback.bind(tx);
      tx.commit = () => commit().finally(release);
      tx.rollback = () => rollback().finally(release);
      return tx;
    };
    return adapter;
  };
  connection.prisma = new PrismaClient({ adapter: factory });
  return connection;
}

/**
 * SQLite's write lock between the server's main thread and an import thread
 * (lib/services/import/import-thread.ts). SQLite makes a writer that finds the lock taken wait
 * synchronously (busy_timeout: its event loop stopped, polling every up to 100 ms). On the main
 * thread that stopped every request behind each label that met an import chunk: at 50 labels a
 * second the event loop spent most of its time there, and pages waited seconds
 * (`npm run bench -- load`). So the two threads share two counters (a SharedArrayBuffer):
 *   [WAITING] main-thread writers about to begin — the thread lets them in before its next chunk;
 *   [HELD]    1 while the thread holds (or is taking) the lock for a chunk — a main-thread writer
 *             awaits its release without blocking the event loop, then begins at once.
 * The handshake is Dekker's: a writer raises WAITING then reads HELD; the thread raises HELD then
 * reads WAITING and backs off if it is set; sequentially consistent Atomics make one of them see
 * the other. Without an import thread both stay 0 and `gateWrite` costs two atomic operations.
 */
/** How long a SQLite writer waits for the write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;
/** A statement that takes the write lock on its own (outside a transaction). */
const WRITE_STATEMENT = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
const WAITING = 0;
const HELD = 1;
const globalForWriters = globalThis as unknown as { __stepwiseWriters?: Int32Array; __stepwiseImportThread?: boolean };

export function waitingWriters(): Int32Array {
  globalForWriters.__stepwiseWriters ??= new Int32Array(new SharedArrayBuffer(8));
  return globalForWriters.__stepwiseWriters;
}

/** In an import thread: share the counters of the thread that started it (its `waitingWriters()`). */
export function shareWaitingWriters(counters: Int32Array): void {
  globalForWriters.__stepwiseWriters = counters;
  globalForWriters.__stepwiseImportThread = true;
}

/** Takes SQLite's write lock (`begin`, synchronous) counted as a waiting writer meanwhile. */
export function beginCounted<T>(begin: () => T): T {
  if (globalForWriters.__stepwiseImportThread) return begin();
  const counters = waitingWriters();
  Atomics.add(counters, WAITING, 1);
  try {
    return begin();
  } finally {
    Atomics.sub(counters, WAITING, 1);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type WaitAsync = (array: Int32Array, index: number, value: number, timeout: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** Resolves once HELD is no longer 1 (or after `ms`), without blocking the event loop. */
async function whileHeld(counters: Int32Array, ms: number): Promise<void> {
  if (!waitAsync) return sleep(1) as Promise<void>;
  const wait = waitAsync(counters, HELD, 1, ms);
  if (wait.async) await wait.value;
}

/** Resolves once no main-thread writer waits for the lock (checked every millisecond). */
export async function yieldToWriters(): Promise<void> {
  const counters = waitingWriters();
  while (Atomics.load(counters, WAITING) > 0) await sleep(1);
}

/** After an import thread ended, however it ended: the lock is no longer its. */
export function releaseHeld(): void {
  const counters = waitingWriters();
  Atomics.store(counters, HELD, 0);
  Atomics.notify(counters, HELD);
}

/** A write about to begin: `begun` once BEGIN returned, `ended` after COMMIT or ROLLBACK. */
export interface WriteGate {
  begun(): void;
  ended(): void;
}

const OPEN_GATE: WriteGate = { begun() {}, ended() {} };

/**
 * Waits, without blocking the event loop, until this thread may begin a write transaction on
 * SQLite (see the counters above). On the main thread: raises WAITING until BEGIN returned. In an
 * import thread, for its chunks: waits for the main thread's writers, then holds HELD until COMMIT.
 * `chunk: false` (an import thread's occasional bookkeeping through Prisma) passes straight through.
 */
export async function gateWrite(options: { chunk?: boolean } = {}): Promise<WriteGate> {
  const counters = waitingWriters();
  if (globalForWriters.__stepwiseImportThread) {
    if (options.chunk === false) return OPEN_GATE;
    for (;;) {
      await yieldToWriters();
      Atomics.store(counters, HELD, 1);
      if (Atomics.load(counters, WAITING) === 0) break;
      Atomics.store(counters, HELD, 0);
      Atomics.notify(counters, HELD);
    }
    return {
      begun() {},
      ended() {
        Atomics.store(counters, HELD, 0);
        Atomics.notify(counters, HELD);
      },
    };
  }
  Atomics.add(counters, WAITING, 1);
  let raised = true;
  const lower = () => {
    if (raised) Atomics.sub(counters, WAITING, 1);
    raised = false;
  };
  try {
    // a thread that died holding it is released by its starter (`releaseHeld`); past SQLite's own
    // busy_timeout this writer goes on and lets SQLite decide
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    while (Atomics.load(counters, HELD) === 1 && Date.now() < deadline) await whileHeld(counters, 100);
  } catch (error) {
    lower();
    throw error;
  }
  return { begun: lower, ended: lower };
}

/** Import threads running in this process (`whileImportThreadRuns`). */
let importThreads = 0;
/** SQLite's default: a commit that leaves the WAL above this many pages checkpoints it. */
const WAL_AUTOCHECKPOINT = 1000;

/**
 * Runs `work` (an import thread's life) with this connection's automatic WAL checkpoints off, so the
 * thread's connection does them: a checkpoint runs inside whichever commit crosses the threshold and
 * copies — and fsyncs — everything committed since the last one, and with a thread writing tens of
 * megabytes that commit was often a label's on the main thread, stopping its event loop for seconds
 * (`npm run bench -- load`, bench/README.md). SQLite only; PostgreSQL runs `work` as it is.
 */
export async function whileImportThreadRuns<T>(work: () => Promise<T>): Promise<T> {
  if (dialect() !== "sqlite") return work();
  const handle = await sqlite();
  if (importThreads++ === 0) handle.pragma("wal_autocheckpoint = 0");
  try {
    return await work();
  } finally {
    if (--importThreads === 0) handle.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
  }
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
  return { url, dialect: "postgres", prisma, handle: null, pool, queue: Promise.resolve() };
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
 * Waits for this process's turn to open a transaction on the shared SQLite handle; call the
 * returned function (once; later calls do nothing) when the transaction has ended. Prisma's
 * interactive transactions, `writeTransaction` and lib/db/sql.ts `transaction` all queue here, in
 * the order they asked.
 */
function takeHandle(current: Connection): Promise<() => void> {
  let release!: () => void;
  const ended = new Promise<void>((resolve) => {
    let done = false;
    release = () => {
      if (!done) resolve();
      done = true;
    };
  });
  const turn = current.queue;
  current.queue = turn.then(() => ended);
  return turn.then(() => release);
}

/** `takeHandle` on the current connection (SQLite). */
export function takeSqliteTurn(): Promise<() => void> {
  return takeHandle(connection());
}

/**
 * Runs `work` synchronously inside BEGIN IMMEDIATE ... COMMIT on the shared connection.
 * Because it never yields, no other query can interleave with it; if a Prisma interactive
 * transaction is open on the connection we wait for it to finish first. Throwing rolls back.
 * SQLite only (lib/db/sql.ts `transaction` is the dialect-neutral form).
 */
export async function writeTransaction<T>(work: (handle: Database.Database) => T, area?: string): Promise<T> {
  const handle = await sqlite(area);
  const release = await takeSqliteTurn();
  try {
    const gate = await gateWrite();
    const transaction = handle.transaction(() => {
      gate.begun();
      return work(handle);
    });
    try {
      return beginCounted(() => transaction.immediate());
    } finally {
      gate.ended();
    }
  } finally {
    release();
  }
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
