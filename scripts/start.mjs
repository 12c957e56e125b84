#!/usr/bin/env node
// `npm start`: migrate the embedded SQLite database, seed the demo when it is empty, build when
// the sources changed, then serve on http://localhost:${PORT:-3000}
// (127.0.0.1 only unless HOST is set). Nothing here touches the network.
// Secure by default (docs/design.md §13): while no admin exists it prints a one-time setup link;
// STEPWISE_AUTH=off (no sign-in) is refused off loopback.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { ROOT, databaseUrl, deployMigrations } from './migrate-core.mjs'
import { buildIfNeeded } from './build-if-needed.mjs'

process.env.NEXT_TELEMETRY_DISABLED = '1'
process.env.CHECKPOINT_DISABLE = '1'
const port = process.env.PORT ?? '3000'
// Loopback only unless HOST says otherwise (HOST=0.0.0.0 to serve the network).
const host = process.env.HOST?.trim() || '127.0.0.1'
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])
const authOff = ['off', '0', 'false'].includes((process.env.STEPWISE_AUTH ?? '').trim().toLowerCase())

function step(message) { console.error(`stepwise: ${message}`) }

/** Whether something already listens on the port (checked before the minutes of migrating and
 * building, and again after them: another server may have started meanwhile). */
function portFree(value) {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.once('error', (error) => resolve(error.code !== 'EADDRINUSE'))
    probe.listen(Number(value), host, () => probe.close(() => resolve(true)))
  })
}

if (authOff && !LOOPBACK.has(host)) {
  console.error(`stepwise: STEPWISE_AUTH=off (no sign-in) is allowed on loopback only, but HOST=${host}. Unset HOST or turn sign-in on.`)
  process.exit(2)
}
if (!LOOPBACK.has(host) && !process.env.STEPWISE_HOSTS && !process.env.STEPWISE_URL) {
  console.error(`stepwise: HOST=${host} listens beyond this machine; set STEPWISE_HOSTS (or STEPWISE_URL) to the host name people will use, e.g. STEPWISE_HOSTS=stepwise.example.org — other Host headers are refused (DNS rebinding).`)
}

async function requirePortFree() {
  if (await portFree(port)) return
  console.error(`stepwise: port ${port} is already in use (another Stepwise or dev server?). Stop it, or pick another port: PORT=3001 npm start`)
  process.exit(1)
}

await requirePortFree()

try {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'generated', 'prisma', 'client.ts'))) {
    step('generating the Prisma client…')
    const generated = spawnSync('npm', ['run', '-s', 'db:generate'], { cwd: ROOT, stdio: 'inherit' })
    if (generated.status !== 0) throw new Error('prisma generate failed')
  }
  const applied = await deployMigrations(databaseUrl())
  step(applied.length ? `applied migrations: ${applied.join(', ')}` : `database ${databaseUrl()} is up to date`)
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  if (process.env.STEPWISE_SEED === '0') {
    step('STEPWISE_SEED=0: no demo data seeded')
  } else {
    const seeded = spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), 'seed-demo', '--if-empty'], { cwd: ROOT, stdio: 'inherit' })
    if (seeded.status !== 0) throw new Error('seeding the demo data failed (STEPWISE_SEED=0 npm start skips the demo)')
  }
  buildIfNeeded()
  if (!authOff) {
    const base = process.env.STEPWISE_URL || `http://${LOOPBACK.has(host) || host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`
    const setup = spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), 'users', 'setup-link', '--url', base, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    if (setup.status !== 0) throw new Error('preparing sign-in failed')
    const link = JSON.parse(setup.stdout.trim().split('\n').pop() || '{}').url
    if (link) step(`no admin yet — open this one-time link to create one (valid 24 h):\n\n    ${link}\n\n  or run: npm run stepwise -- users create --email you@example.org --password '…' --role admin`)
  } else {
    step('STEPWISE_AUTH=off: single-user mode, no sign-in (loopback only)')
  }
} catch (error) {
  console.error(`stepwise: ${error.message}`)
  process.exit(1)
}

await requirePortFree()
const shown = host === '127.0.0.1' || host === 'localhost' ? 'localhost' : host
step(`serving on http://${shown}:${port}${shown === 'localhost' ? ' (loopback only; HOST=0.0.0.0 to serve the network)' : ''}`)
const server = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', port, '-H', host], { cwd: ROOT, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code) => process.exit(code ?? 0))
