#!/usr/bin/env node
// `npm run test:e2e`: build if needed, create a fresh test database (migrations + demo seed) in
// .tmp/e2e, then run Playwright against `next start` on it.
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, deployMigrations } from './migrate-core.mjs'
import { buildIfNeeded } from './build-if-needed.mjs'
import { requireChromium } from './chromium.mjs'

requireChromium()
const dir = path.join(ROOT, '.tmp', 'e2e')
fs.rmSync(dir, { recursive: true, force: true })
fs.mkdirSync(dir, { recursive: true })
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  CHECKPOINT_DISABLE: '1',
  DATABASE_URL: `file:${path.join(dir, 'stepwise.db')}`,
  STEPWISE_DATA_DIR: path.join(dir, 'data'),
}
process.env.DATABASE_URL = env.DATABASE_URL
try {
  buildIfNeeded()
  await deployMigrations(env.DATABASE_URL)
} catch (error) {
  console.error(error.message)
  process.exit(1)
}
const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const seed = spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), 'seed-demo', '--json'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] })
if (seed.status !== 0) process.exit(seed.status ?? 1)
// the accounts of e2e/users.ts (e2e/global-setup.ts signs them in)
const users = JSON.parse(spawnSync(process.execPath, [tsx, '-e', "import('./e2e/users.ts').then((m) => console.log(JSON.stringify(m.E2E_USERS)))"], { cwd: ROOT, encoding: 'utf8' }).stdout)
for (const user of Object.values(users)) {
  const made = spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), 'users', 'create', '--email', user.email, '--password', user.password, '--role', user.role, '--name', user.name, '--json'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] })
  if (made.status !== 0) process.exit(made.status ?? 1)
}
const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', ...process.argv.slice(2)], { cwd: ROOT, env, stdio: 'inherit' })
process.exit(result.status ?? 1)
