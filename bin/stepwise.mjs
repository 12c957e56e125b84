#!/usr/bin/env node
// `stepwise` on the PATH (npm link / npx): runs the TypeScript CLI through tsx from the package root.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const tsx = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs')
const result = spawnSync(process.execPath, [tsx, path.join(root, 'lib', 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { NEXT_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1', ...process.env },
})
process.exit(result.status ?? 1)
