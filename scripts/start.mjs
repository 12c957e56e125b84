#!/usr/bin/env node
// `npm start`: migrate the embedded SQLite database, seed the demo when it is empty, build when
// the sources changed, then serve on http://localhost:${PORT:-3000}. Nothing here touches the network.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { ROOT, databaseUrl, deployMigrations } from './migrate-core.mjs'
import { buildIfNeeded } from './build-if-needed.mjs'

process.env.NEXT_TELEMETRY_DISABLED = '1'
process.env.CHECKPOINT_DISABLE = '1'
const port = process.env.PORT ?? '3000'

function step(message) { console.error(`stepwise: ${message}`) }

/** Fails fast, before migrating and building, when something already listens on the port. */
function portFree(value) {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.once('error', (error) => resolve(error.code !== 'EADDRINUSE'))
    probe.listen(Number(value), () => probe.close(() => resolve(true)))
  })
}

if (!(await portFree(port))) {
  console.error(`stepwise: port ${port} is already in use (another Stepwise or dev server?). Stop it, or pick another port: PORT=3001 npm start`)
  process.exit(1)
}

try {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'generated', 'prisma', 'client.ts'))) {
    step('generating the Prisma client…')
    const generated = spawnSync('npm', ['run', '-s', 'db:generate'], { cwd: ROOT, stdio: 'inherit' })
    if (generated.status !== 0) throw new Error('prisma generate failed')
  }
  const applied = await deployMigrations(databaseUrl())
  step(applied.length ? `applied migrations: ${applied.join(', ')}` : `database ${databaseUrl()} is up to date`)
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  const seeded = spawnSync(process.execPath, [tsx, path.join(ROOT, 'lib', 'cli', 'main.ts'), 'seed-demo', '--if-empty'], { cwd: ROOT, stdio: 'inherit' })
  if (seeded.status !== 0) throw new Error('seeding the demo data failed')
  buildIfNeeded()
} catch (error) {
  console.error(`stepwise: ${error.message}`)
  process.exit(1)
}

step(`serving on http://localhost:${port}`)
const server = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', port], { cwd: ROOT, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code) => process.exit(code ?? 0))
