// Builds the Next.js app when the sources changed since the last build: a hash over the files
// that feed the build is stored next to it (.next/stepwise-source-hash).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT } from './migrate-core.mjs'

const INPUTS = ['app', 'components', 'lib', 'public', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json']
const SKIP = new Set(['node_modules', '.next', 'generated'])
const HASH_FILE = path.join(ROOT, '.next', 'stepwise-source-hash')

function* files(entry) {
  const full = path.join(ROOT, entry)
  if (!fs.existsSync(full)) return
  const stat = fs.statSync(full)
  if (stat.isFile()) { yield entry; return }
  for (const child of fs.readdirSync(full).sort()) {
    if (SKIP.has(child) || child.endsWith('.test.ts') || child.endsWith('.test.tsx')) continue
    yield* files(path.join(entry, child))
  }
}

function sourceHash() {
  const hash = crypto.createHash('sha256')
  for (const entry of INPUTS) for (const file of files(entry)) {
    hash.update(file).update('\0').update(fs.readFileSync(path.join(ROOT, file)))
  }
  return hash.digest('hex')
}

export function buildIfNeeded({ force = false } = {}) {
  const hash = sourceHash()
  const built = fs.existsSync(path.join(ROOT, '.next', 'BUILD_ID')) && fs.existsSync(HASH_FILE) && fs.readFileSync(HASH_FILE, 'utf8') === hash
  if (built && !force) { console.error('build is up to date'); return }
  console.error('building the app (next build)…')
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  })
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`)
  fs.writeFileSync(HASH_FILE, hash)
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(ROOT, 'scripts', 'build-if-needed.mjs')) {
  try { buildIfNeeded({ force: process.argv.includes('--force') }) } catch (e) { console.error(e.message); process.exit(1) }
}
