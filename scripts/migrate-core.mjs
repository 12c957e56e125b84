// Applies Prisma migrations without Prisma's native schema engine (it cannot be downloaded here):
// drives @prisma/schema-engine-wasm — the same Rust engine compiled to WebAssembly — through the
// better-sqlite3 driver adapter. Migration SQL and the _prisma_migrations table are exactly
// Prisma's, so a machine with the native engine can keep using `prisma migrate` on this folder.
// Used by `npm start`, the CLI, the test setup and scripts/prisma-wasm-migrate.mjs.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'

const require = createRequire(import.meta.url)
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SCHEMA_PATH = path.join(ROOT, 'prisma', 'schema.prisma')
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations')
export const DEFAULT_DATABASE_URL = 'file:./data/stepwise.db'

export function databaseUrl() {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
}

export function sqliteFileOf(url) {
  if (!url.startsWith('file:')) throw new Error(`DATABASE_URL ${url}: only SQLite (file:...) is supported by this build`)
  return path.resolve(url.slice('file:'.length))
}

export async function makeSqliteAdapterFactory(url, shadowUrl) {
  const file = sqliteFileOf(url)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3')
  const factory = new PrismaBetterSqlite3({ url: `file:${file}` }, { shadowDatabaseUrl: shadowUrl })
  // Remember every connection the engine opens so callers can close them: an open handle would
  // keep SQLite's lock while the calling process goes on (e.g. to spawn a server on the same file).
  factory.opened = []
  const connect = factory.connect.bind(factory)
  factory.connect = async () => {
    const adapter = await connect()
    factory.opened.push(adapter)
    return adapter
  }
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

export function schemaPairs(schemaPath = SCHEMA_PATH) {
  return [[schemaPath, fs.readFileSync(schemaPath, 'utf8')]]
}

export function migrationsList(migrationsDir = MIGRATIONS_DIR) {
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
  const factory = await makeSqliteAdapterFactory(url)
  const { engine } = await loadEngine(factory, schemaPairs())
  try {
    const result = await engine.applyMigrations({ migrationsList: migrationsList(), filters })
    return result.appliedMigrationNames
  } finally {
    engine.free()
    await closeConnections(factory)
  }
}

export async function closeConnections(factory) {
  for (const adapter of factory.opened.splice(0)) {
    try { await adapter.dispose() } catch { /* already closed by the engine */ }
  }
}

/** Migration folder names not yet recorded as finished in the database (no engine needed). */
export async function pendingMigrations(url = databaseUrl()) {
  const names = migrationsList().migrationDirectories.map((d) => d.path)
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
