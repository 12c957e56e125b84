// Applies Prisma migrations without Prisma's native schema engine (it cannot be downloaded here):
// drives @prisma/schema-engine-wasm — the same Rust engine compiled to WebAssembly — through the
// better-sqlite3 driver adapter (SQLite) or the pg adapter (PostgreSQL, DATABASE_URL=postgresql://…).
// Migration SQL and the _prisma_migrations table are exactly Prisma's, so a machine with the native
// engine can keep using `prisma migrate` on these folders. One schema source (prisma/schema.prisma);
// prisma/postgres/schema.prisma is generated from it (scripts/pg-schema.mjs), each provider keeps
// its own migrations folder (docs/design.md §14).
// Used by `npm start`, the CLI, the test setup and scripts/prisma-wasm-migrate.mjs.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'
import { pgFields } from './pg-url.mjs'

const require = createRequire(import.meta.url)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SCHEMA_PATH = path.join(ROOT, 'prisma', 'schema.prisma')
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations')
export const PG_SCHEMA_PATH = path.join(ROOT, 'prisma', 'postgres', 'schema.prisma')
export const PG_MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'postgres', 'migrations')
export const DEFAULT_DATABASE_URL = 'file:./data/stepwise.db'

/** 'sqlite' for file: URLs, 'postgres' for postgres(ql):// URLs; anything else is an error. */
export function dialectOf(url) {
  if (url.startsWith('file:')) return 'sqlite'
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres'
  throw new Error(`DATABASE_URL ${url}: use file:<path> (SQLite) or postgresql://user:password@host:port/database`)
}

/** Schema file and migrations folder of the URL's dialect. */
export function layoutOf(url) {
  return dialectOf(url) === 'postgres'
    ? { schemaPath: PG_SCHEMA_PATH, migrationsDir: PG_MIGRATIONS_DIR }
    : { schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR }
}

export function databaseUrl() {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
}

export function sqliteFileOf(url) {
  if (!url.startsWith('file:')) throw new Error(`DATABASE_URL ${url}: not a SQLite file: URL`)
  return path.resolve(url.slice('file:'.length))
}

/** Remembers every connection an adapter factory opens (`factory.opened`) so callers can close them; returns the untracked connect. */
function trackOpened(factory) {
  factory.opened = []
  const connect = factory.connect.bind(factory)
  factory.connect = async () => {
    const adapter = await connect()
    factory.opened.push(adapter)
    return adapter
  }
  return connect
}

export async function makeSqliteAdapterFactory(url, shadowUrl) {
  const file = sqliteFileOf(url)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3')
  const factory = new PrismaBetterSqlite3({ url: `file:${file}` }, { shadowDatabaseUrl: shadowUrl })
  // Remember every connection the engine opens so callers can close them: an open handle would
  // keep SQLite's lock while the calling process goes on (e.g. to spawn a server on the same file).
  trackOpened(factory)
  // The engine sends whole migration scripts to the *shadow* database via executeRaw();
  // better-sqlite3's prepare() takes one statement only, so route arg-less calls to executeScript.
  const connectToShadowDb = factory.connectToShadowDb.bind(factory)
  factory.connectToShadowDb = async () => {
    const adapter = await connectToShadowDb()
    const executeRaw = adapter.executeRaw.bind(adapter)
    adapter.executeRaw = async (q) => (q.args.length === 0 ? (await adapter.executeScript(q.sql), 0) : executeRaw(q))
    return adapter
  }
  return factory
}

export async function makePgAdapterFactory(url, shadowUrl) {
  const { PrismaPg } = await import('@prisma/adapter-pg')
  // Discrete fields, NOT { connectionString }: PrismaPg.connectToShadowDb() builds the shadow pool
  // as { ...config, database: shadowName } and node-postgres lets connectionString override
  // `database`, so the "shadow" database would silently be the main database.
  const factory = new PrismaPg(pgFields(url))
  const connect = trackOpened(factory)
  // Own shadow database: the adapter's release() drops it before closing its pool ("being
  // accessed by other users") and leaks one prisma_migrate_shadow_db_* per command.
  factory.connectToShadowDb = async () => {
    if (shadowUrl) return new PrismaPg(pgFields(shadowUrl)).connect()
    const admin = await connect()
    const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`
    await admin.executeScript(`CREATE DATABASE "${name}"`)
    const shadow = await new PrismaPg({ ...pgFields(url), database: name }).connect()
    const dispose = shadow.dispose.bind(shadow)
    shadow.dispose = async () => {
      await dispose()
      await admin.executeScript(`DROP DATABASE IF EXISTS "${name}"`)
      await admin.dispose()
    }
    return shadow
  }
  // @prisma/adapter-pg 7.10.x has no column-type mapping for the internal type "char" (oid 18,
  // pg_class.relkind) the engine's introspection reads: report it as text (oid 25).
  const probe = await connect()
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(probe))
  if (!queryable.__charPatched) {
    const performIO = queryable.performIO
    queryable.performIO = async function (q) {
      const r = await performIO.call(this, q)
      for (const f of r?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25
      return r
    }
    queryable.__charPatched = true
  }
  // @prisma/adapter-pg 7.10.x executeScript() splits a migration on every ";" — which cuts a
  // plpgsql function body ($$ … ; … $$) apart. PostgreSQL's simple query protocol runs a whole
  // multi-statement script in one call, so send it as it is.
  const adapterProto = Object.getPrototypeOf(probe)
  if (!adapterProto.__scriptPatched) {
    adapterProto.executeScript = async function (script) {
      try {
        await this.client.query(script)
      } catch (error) {
        this.onError(error)
      }
    }
    adapterProto.__scriptPatched = true
  }
  await probe.dispose()
  return factory
}

/** The migration adapter factory of the URL's dialect. */
export function makeAdapterFactory(url, shadowUrl) {
  return dialectOf(url) === 'postgres' ? makePgAdapterFactory(url, shadowUrl) : makeSqliteAdapterFactory(url, shadowUrl)
}

let wasmReady = false
export async function loadEngine(factory, schemaPairs, log = () => {}) {
  if (!wasmReady) {
    // Node 20 cannot import the package's .wasm entry; instantiate it with the JS glue directly.
    const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm')
    const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), { './schema_engine_bg.js': bg })
    bg.__wbg_set_wasm(instance.exports)
    instance.exports.__wbindgen_start()
    wasmReady = true
  }
  const bound = bindMigrationAwareSqlAdapterFactory(factory)
  const engine = await bg.SchemaEngine.new({ datamodels: schemaPairs }, log, bound)
  return { engine, bound }
}

export function schemaPairs(schemaPath = layoutOf(databaseUrl()).schemaPath) {
  return [[schemaPath, fs.readFileSync(schemaPath, 'utf8')]]
}

export function migrationsList(migrationsDir = layoutOf(databaseUrl()).migrationsDir) {
  const lockfile = { path: 'migration_lock.toml', content: null }
  if (fs.existsSync(path.join(migrationsDir, lockfile.path))) lockfile.content = fs.readFileSync(path.join(migrationsDir, lockfile.path), 'utf8')
  const dirs = fs.existsSync(migrationsDir) ? fs.readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()) : []
  const migrationDirectories = dirs.map((d) => {
    let content
    try { content = { tag: 'ok', value: fs.readFileSync(path.join(migrationsDir, d.name, 'migration.sql'), 'utf8') } }
    catch (e) { content = { tag: 'error', value: e.message } }
    return { path: d.name, migrationFile: { path: 'migration.sql', content } }
  }).sort((a, b) => a.path.localeCompare(b.path))
  return { baseDir: migrationsDir, lockfile, migrationDirectories, shadowDbInitScript: '' }
}

export const filters = { externalTables: [], externalEnums: [] }

/** Applies pending migrations; returns the names applied. */
export async function deployMigrations(url = databaseUrl()) {
  const { schemaPath, migrationsDir } = layoutOf(url)
  const factory = await makeAdapterFactory(url)
  const { engine } = await loadEngine(factory, schemaPairs(schemaPath))
  try {
    const result = await engine.applyMigrations({ migrationsList: migrationsList(migrationsDir), filters })
    return result.appliedMigrationNames
  } catch (error) {
    throw migrationError(error, url)
  } finally {
    engine.free()
    await closeConnections(factory)
  }
}

/**
 * The schema engine's error as a person can act on it: its message without the engine's backtrace
 * (the numbered frames and "at …" lines), and for PostgreSQL's usual refusals what to do.
 */
export function migrationError(error, url) {
  const raw = String(error?.message ?? error)
  const message = raw.split('\n').filter((line) => !/^\s*(\d+:\s|at\s|with\s)/.test(line)).join('\n').replace(/^Error:\s*/, '').trim()
  let hint = ''
  if (dialectOf(url) === 'postgres') {
    const { user, database } = pgFields(url)
    const role = user ?? 'the role in DATABASE_URL'
    const db = database ?? 'the database'
    if (/permission denied for (schema|database)/i.test(message)) {
      hint = ` — ${role} may not create tables there; make it the database's owner (ALTER DATABASE "${db}" OWNER TO "${role}") or, as the owner, GRANT CREATE ON SCHEMA public TO "${role}"`
    } else if (/must be owner of/i.test(message)) {
      hint = ` — the tables were made by another role; run as that role, or make ${role} their owner (REASSIGN OWNED)`
    }
  }
  const wrapped = new Error(`migrations failed: ${message}${hint}`)
  wrapped.cause = error
  return wrapped
}

export async function closeConnections(factory) {
  for (const adapter of factory.opened.splice(0)) {
    try { await adapter.dispose() } catch { /* already closed by the engine */ }
  }
}

/** Migration folder names not yet recorded as finished in the database (no engine needed). */
export async function pendingMigrations(url = databaseUrl()) {
  const names = migrationsList(layoutOf(url).migrationsDir).migrationDirectories.map((d) => d.path)
  if (dialectOf(url) === 'postgres') return pendingPg(url, names)
  const file = sqliteFileOf(url)
  if (!fs.existsSync(file)) return names
  const { default: Database } = await import('better-sqlite3')
  const handle = new Database(file, { readonly: true })
  try {
    const table = handle.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get()
    if (!table) return names
    const applied = new Set(handle.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').all().map((r) => r.migration_name))
    return names.filter((n) => !applied.has(n))
  } finally {
    handle.close()
  }
}

async function pendingPg(url, names) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ ...pgFields(url), connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    const table = await client.query("SELECT to_regclass('_prisma_migrations') AS t")
    if (!table.rows[0].t) return names
    const done = await client.query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')
    const applied = new Set(done.rows.map((r) => r.migration_name))
    return names.filter((n) => !applied.has(n))
  } finally {
    await client.end()
  }
}
