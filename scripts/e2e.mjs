#!/usr/bin/env node
// `npm run test:e2e`: build if needed, create a fresh test database (migrations + demo seed) in
// .tmp/e2e, then run Playwright against `next start` on it.
//
// `node scripts/e2e.mjs --postgres [specs…]` (docs/postgres.md "Tests on PostgreSQL"): the same
// against PostgreSQL — a throw-away cluster (scripts/pg-cluster.mjs; or the server at
// STEPWISE_E2E_PG_URL, a superuser URL), a fresh database migrated with the PostgreSQL migrations,
// the same build (one `next build` serves both dialects: the database is chosen at run time by
// DATABASE_URL), the demo seed when it runs there, the e2e accounts, then the PostgreSQL subset
// (PG_SUBSET below) or the specs named; the cluster is stopped at the end. E2E_PG_PORT picks the
// cluster's port (default: a free one).
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import pg from 'pg'
import { ROOT, deployMigrations } from './migrate-core.mjs'
import { buildIfNeeded } from './build-if-needed.mjs'
import { requireChromium } from './chromium.mjs'
import { startCluster } from './pg-cluster.mjs'

/**
 * The representative e2e subset on PostgreSQL: specs that exercise the database broadly — sign-in,
 * roles and tokens (people), the security headers over a page render, review labelling, the trace
 * list. `demo`: needs the demo seed (skipped with the reason printed while the seed does not run on
 * PostgreSQL); `grep`: only the tests whose titles match.
 */
export const PG_SUBSET = [
  { spec: 'e2e/people.spec.ts', demo: false, grep: 'every page redirects to sign-in|creates a token on the tokens page' },
  { spec: 'e2e/security.spec.ts', demo: false, grep: 'API responses forbid everything' },
  { spec: 'e2e/people.spec.ts', demo: true, grep: 'cannot label|text/plain or cross-origin' },
  { spec: 'e2e/security.spec.ts', demo: true, grep: 'pages carry a nonce CSP' },
  { spec: 'e2e/review.spec.ts', demo: true },
  { spec: 'e2e/trace-list.spec.ts', demo: true },
]

const args = process.argv.slice(2)
const postgres = args.includes('--postgres')
const passThrough = args.filter((a) => a !== '--postgres')
const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const cli = (env, ...cliArgs) => spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), ...cliArgs], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

requireChromium()
const dir = path.join(ROOT, '.tmp', postgres ? 'e2e-pg' : 'e2e')
fs.rmSync(dir, { recursive: true, force: true })
fs.mkdirSync(dir, { recursive: true })
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  CHECKPOINT_DISABLE: '1',
  DATABASE_URL: `file:${path.join(dir, 'stepwise.db')}`,
  STEPWISE_DATA_DIR: path.join(dir, 'data'),
}

let cluster = null
let status = 1
try {
  if (postgres) {
    const adminUrl = process.env.STEPWISE_E2E_PG_URL ?? (cluster = await startCluster({ port: process.env.E2E_PG_PORT ? Number(process.env.E2E_PG_PORT) : undefined })).url
    const admin = new pg.Client({ connectionString: adminUrl })
    await admin.connect()
    try {
      await admin.query('DROP DATABASE IF EXISTS stepwise_e2e WITH (FORCE)')
      await admin.query('CREATE DATABASE stepwise_e2e')
    } finally {
      await admin.end()
    }
    const url = new URL(adminUrl)
    url.pathname = '/stepwise_e2e'
    env.DATABASE_URL = url.toString()
    console.error(`e2e on PostgreSQL: ${env.DATABASE_URL}${cluster ? ` (throw-away cluster in ${cluster.dir})` : ''}`)
  }
  process.env.DATABASE_URL = env.DATABASE_URL
  buildIfNeeded()
  await deployMigrations(env.DATABASE_URL)
  status = await seedAndRun()
} catch (error) {
  console.error(error.message)
  status = 1
} finally {
  cluster?.stop()
}
process.exit(status)

async function seedAndRun() {
  const seed = cli(env, 'seed-demo', '--json')
  let seeded = seed.status === 0
  if (!seeded) {
    const reason = (seed.stderr || seed.stdout).trim().split('\n').at(-1)
    if (!postgres) {
      console.error(seed.stderr || seed.stdout)
      return seed.status ?? 1
    }
    console.error(`the demo seed does not run on PostgreSQL yet, so the specs that need it are left out: ${reason}`)
  }
  // the accounts of e2e/users.ts (e2e/global-setup.ts signs them in)
  const users = JSON.parse(spawnSync(process.execPath, [tsx, '-e', "import('./e2e/users.ts').then((m) => console.log(JSON.stringify(m.E2E_USERS)))"], { cwd: ROOT, encoding: 'utf8' }).stdout)
  for (const user of Object.values(users)) {
    const made = cli(env, 'users', 'create', '--email', user.email, '--password', user.password, '--role', user.role, '--name', user.name, '--json')
    if (made.status !== 0) {
      console.error(made.stderr || made.stdout)
      return made.status ?? 1
    }
  }
  const playwright = (extra) => spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', ...extra], { cwd: ROOT, env, stdio: 'inherit' }).status ?? 1
  if (!postgres || passThrough.some((a) => !a.startsWith('-'))) return playwright(passThrough)
  // the PostgreSQL subset: what can run with the data there is
  const runnable = PG_SUBSET.filter((s) => seeded || !s.demo)
  for (const left of PG_SUBSET.filter((s) => !runnable.includes(s))) console.error(`  left out (needs the demo seed): ${left.spec}${left.grep ? ` — ${left.grep}` : ''}`)
  // at most two Playwright runs (each starts its own server): whole specs, then the chosen tests of the others
  const whole = [...new Set(runnable.filter((s) => !s.grep).map((s) => s.spec))]
  const partial = runnable.filter((s) => s.grep && !whole.includes(s.spec))
  let worst = 0
  if (whole.length) worst = playwright([...whole, ...passThrough])
  if (partial.length) worst = playwright([...new Set(partial.map((s) => s.spec)), '--grep', partial.map((s) => `(${s.grep})`).join('|'), ...passThrough]) || worst
  return worst
}
