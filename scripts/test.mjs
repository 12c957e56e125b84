#!/usr/bin/env node
// `npm test`: typecheck, lint, unit + integration (vitest, real SQLite files), the integration
// suite again on PostgreSQL (a throw-away cluster, docs/design.md §14), then Playwright e2e against
// the built app in Debian's Chromium, and a representative e2e subset on PostgreSQL (the same build,
// another throw-away cluster; scripts/e2e.mjs --postgres). Stops at the first failing stage.
// STEPWISE_TEST_PG=0 leaves both PostgreSQL passes out (a machine without PostgreSQL; CI installs it).
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT } from './migrate-core.mjs'
import { requireChromium } from './chromium.mjs'
import { havePostgres } from './pg-cluster.mjs'
import { PG_SKIPS } from './pg-skips.mjs'

requireChromium()
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name)
const stages = [
  ['typecheck', bin('tsc'), ['--noEmit']],
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ['import cycles', process.execPath, [path.join(ROOT, 'scripts', 'check-cycles.mjs')]],
  ['unit + integration', bin('vitest'), ['run']],
  ...(process.env.STEPWISE_TEST_PG === '0' ? [] : [['integration on PostgreSQL', bin('vitest'), ['run'], { STEPWISE_TEST_PG: '1' }]]),
  ['e2e', process.execPath, [path.join(ROOT, 'scripts', 'e2e.mjs')]],
  ...(process.env.STEPWISE_TEST_PG === '0' ? [] : [['e2e on PostgreSQL', process.execPath, [path.join(ROOT, 'scripts', 'e2e.mjs'), '--postgres']]]),
]
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1' }
if (process.env.STEPWISE_TEST_PG === '0') console.error('STEPWISE_TEST_PG=0: the integration tests and the e2e subset on PostgreSQL are left out')
else if (!havePostgres()) {
  console.error('PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql (or STEPWISE_TEST_PG=0 to leave the PostgreSQL pass out)')
  process.exit(1)
}
for (const [name, command, args, extraEnv] of stages) {
  const started = Date.now()
  console.error(`\n=== ${name} ===`)
  if (extraEnv?.STEPWISE_TEST_PG === '1' && PG_SKIPS.length) {
    console.error(`not yet on PostgreSQL (${PG_SKIPS.length} files, scripts/pg-skips.mjs):`)
    for (const skip of PG_SKIPS) console.error(`  - ${skip.file}: ${skip.reason}`)
  }
  const result = spawnSync(command, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: 'inherit' })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.status !== 0) {
    console.error(`\n✗ ${name} failed after ${seconds}s`)
    process.exit(result.status ?? 1)
  }
  console.error(`✓ ${name} (${seconds}s)`)
}
