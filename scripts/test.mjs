#!/usr/bin/env node
// `npm test`: typecheck, lint, unit + integration (vitest, real SQLite files), then Playwright e2e
// against the built app in Debian's Chromium. Stops at the first failing stage.
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT } from './migrate-core.mjs'
import { requireChromium } from './chromium.mjs'

requireChromium()
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name)
const stages = [
  ['typecheck', bin('tsc'), ['--noEmit']],
  ['lint', bin('eslint'), ['.', '--max-warnings=0']],
  ['import cycles', process.execPath, [path.join(ROOT, 'scripts', 'check-cycles.mjs')]],
  ['unit + integration', bin('vitest'), ['run']],
  ['e2e', process.execPath, [path.join(ROOT, 'scripts', 'e2e.mjs')]],
]
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1' }
for (const [name, command, args] of stages) {
  const started = Date.now()
  console.error(`\n=== ${name} ===`)
  const result = spawnSync(command, args, { cwd: ROOT, env, stdio: 'inherit' })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (result.status !== 0) {
    console.error(`\n✗ ${name} failed after ${seconds}s`)
    process.exit(result.status ?? 1)
  }
  console.error(`✓ ${name} (${seconds}s)`)
}
