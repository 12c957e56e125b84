#!/usr/bin/env node
// A throw-away PostgreSQL cluster for tests, benches and `db:migrate:dev:pg` (docs/design.md §14):
// initdb + pg_ctl in a temp dir, listening on 127.0.0.1 only, trust auth, stopped and removed by
// stop(). initdb refuses to run as root, so as root the server runs as an unprivileged user:
// `postgres` (the Debian package creates it) or, when missing, a system user `stepwise-pg` made
// here. Binaries: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH.
//   node scripts/pg-cluster.mjs start [--port 5437] [--dir <dir>] [--ssl]   prints the URL, keeps running
//   node scripts/pg-cluster.mjs stop --dir <dir>
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export function pgBin(name) {
  if (process.env.PG_BIN) return path.join(process.env.PG_BIN, name)
  const base = '/usr/lib/postgresql'
  if (fs.existsSync(base)) {
    const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', name))).sort((a, b) => Number(b) - Number(a))
    if (versions.length) return path.join(base, versions[0], 'bin', name)
  }
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim()
  return found || null
}

/** True when initdb and pg_ctl are installed. */
export function havePostgres() {
  return Boolean(pgBin('initdb') && pgBin('pg_ctl'))
}

function serverUser() {
  if (process.getuid?.() !== 0) return null
  for (const name of ['postgres', 'stepwise-pg']) {
    if (spawnSync('id', ['-u', name]).status === 0) return name
  }
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'stepwise-pg'])
  return 'stepwise-pg'
}

function asServer(user, command, args, options = {}) {
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', command, ...args]] : [command, args]
  const result = spawnSync(cmd, argv, { encoding: 'utf8', ...options })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`)
  return result.stdout
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts a fresh cluster; returns { url, dir, port, stop }. `url` points at the `postgres`
 * database as the superuser `postgres` (trust auth on 127.0.0.1). `ssl`: the server also takes
 * SSL connections, with a self-signed certificate made by openssl (the sslmode checks).
 */
export async function startCluster({ port, dir, ssl = false } = {}) {
  const initdb = pgBin('initdb')
  const pgCtl = pgBin('pg_ctl')
  if (!initdb || !pgCtl) throw new Error('PostgreSQL binaries not found (apt-get install postgresql, or set PG_BIN)')
  port = port ?? await freePort()
  dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stepwise-pg-'))
  fs.mkdirSync(dir, { recursive: true })
  const user = serverUser()
  if (user) {
    fs.chmodSync(dir, 0o700)
    execFileSync('chown', ['-R', `${user}:`, dir])
  }
  const data = path.join(dir, 'data')
  asServer(user, initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  // fsync off: a throw-away cluster never needs crash safety, and tests run much faster
  if (ssl) {
    const made = spawnSync('openssl', ['req', '-new', '-x509', '-days', '2', '-nodes', '-subj', '/CN=stepwise-test', '-keyout', path.join(data, 'server.key'), '-out', path.join(data, 'server.crt')], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(`openssl could not make the test certificate (${made.error?.message ?? made.stderr}): apt-get install openssl`)
    fs.chmodSync(path.join(data, 'server.key'), 0o600)
    if (user) execFileSync('chown', [`${user}:`, path.join(data, 'server.key'), path.join(data, 'server.crt')])
  }
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200${ssl ? ' -c ssl=on' : ''}`
  asServer(user, pgCtl, ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start'])
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`
  const stop = () => stopCluster(dir)
  return { url, dir, port, stop }
}

export function stopCluster(dir) {
  const data = path.join(dir, 'data')
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    const user = serverUser()
    try { asServer(user, pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']) } catch { /* already stopped */ }
  }
  fs.rmSync(dir, { recursive: true, force: true })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined }
  if (args[0] === 'start') {
    const cluster = await startCluster({ port: opt('--port') ? Number(opt('--port')) : undefined, dir: opt('--dir'), ssl: args.includes('--ssl') })
    console.log(`${cluster.url}\n(data dir ${cluster.dir}; stop: node scripts/pg-cluster.mjs stop --dir ${cluster.dir})`)
  } else if (args[0] === 'stop' && opt('--dir')) {
    stopCluster(opt('--dir'))
  } else {
    console.error('usage: pg-cluster.mjs start [--port N] [--dir D] [--ssl] | stop --dir D')
    process.exit(2)
  }
}
