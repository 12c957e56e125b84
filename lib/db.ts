import type Database from "better-sqlite3";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import fs from "node:fs";
import path from "node:path";

// The only PrismaClient. SQLite through better-sqlite3 is the embedded default; the adapter is
// chosen from DATABASE_URL so PostgreSQL (capability C9) can slot in here.
//
// Bulk paths (import, verdict writes) bypass Prisma's query compiler — createMany is ~20x slower
// than prepared statements here — and write through `sqlite()`, the very connection Prisma uses.
// Sharing one connection means no SQLITE_BUSY between two handles; the rule that keeps it safe is
// in `writeTransaction` below.

interface Connection {
  url: string;
  prisma: PrismaClient;
  handle: Database.Database | null;
}

const globalForDb = globalThis as unknown as { __stepwiseDb?: Connection };

function connect(url: string): Connection {
  const file = sqliteFile(url);
  if (!file) {
    throw new AppError("internal", `DATABASE_URL ${url}: only SQLite (file:...) is supported by this build`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const connection: Connection = { url, prisma: undefined as unknown as PrismaClient, handle: null };
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
    return adapter;
  };
  connection.prisma = new PrismaClient({ adapter: factory });
  return connection;
}

function connection(): Connection {
  const url = env().DATABASE_URL;
  const current = globalForDb.__stepwiseDb;
  if (current && current.url === url) return current;
  const next = connect(url);
  globalForDb.__stepwiseDb = next;
  return next;
}

export function db(): PrismaClient {
  return connection().prisma;
}

/** The better-sqlite3 handle under Prisma (opened on first use). Integers come back as numbers. */
export async function sqlite(): Promise<Database.Database> {
  const current = connection();
  if (!current.handle) await current.prisma.$connect();
  if (!current.handle) throw new AppError("internal", "database handle not available");
  return current.handle;
}

/**
 * Runs `work` synchronously inside BEGIN IMMEDIATE ... COMMIT on the shared connection.
 * Because it never yields, no other query can interleave with it; if a Prisma interactive
 * transaction is open on the connection we wait for it to finish first. Throwing rolls back.
 */
export async function writeTransaction<T>(work: (handle: Database.Database) => T): Promise<T> {
  const handle = await sqlite();
  while (handle.inTransaction) await new Promise((resolve) => setImmediate(resolve));
  return handle.transaction(() => work(handle)).immediate();
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
}
