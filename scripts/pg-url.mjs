// How Stepwise reads a postgresql:// URL: one function for every connection it opens (lib/db.ts,
// lib/jobs/queue.ts, doctor, verifier threads, scripts/migrate-core.mjs). Kept apart from
// migrate-core so the app's bundles do not load the schema engine to open a pool.
import { URLSearchParams } from 'node:url'
import { parse as parsePgUrl } from 'pg-connection-string'

/**
 * The connection fields of a postgres URL, read one way by every connection Stepwise opens (the
 * app's pool, the job queue, doctor, verifier threads, migrations). `sslmode` keeps libpq's meaning:
 * `require` (and `prefer`) encrypt without checking the certificate unless `sslrootcert` names a
 * CA, `verify-ca` / `verify-full` check it, `disable` is plain — node-postgres on its own treats
 * `require` as `verify-full`, so migrations passed where the app then failed on a self-signed
 * server. Discrete fields, not a connection string (makePgAdapterFactory in migrate-core.mjs says why). Stepwise's
 * tables live in the database's `public` schema: a `?schema=` naming another is an error, not
 * silently ignored. Errors name the parameter, never the password.
 */
export function pgFields(url) {
  const query = URL.canParse(url) ? new URL(url).searchParams : new URLSearchParams() // pg's parser mends a few more (spaces)
  const schema = query.get('schema')
  if (schema !== null && schema !== 'public') {
    throw new Error(`DATABASE_URL ?schema=${schema}: Stepwise keeps its tables in the database's public schema; give it a database of its own instead of a schema (docs/postgres.md)`)
  }
  let parsed
  try {
    parsed = parsePgUrl(url, query.has('uselibpqcompat') ? {} : { useLibpqCompat: true })
  } catch (error) {
    const message = String(error?.message ?? error)
    if (/verify-ca/.test(message)) throw new Error('DATABASE_URL sslmode=verify-ca needs sslrootcert=<file of the CA that signed the server\'s certificate>')
    if (error?.code === 'ENOENT') throw new Error(`DATABASE_URL: cannot read the SSL file ${error.path}: no such file`)
    throw new Error(`DATABASE_URL: ${message}`)
  }
  const fields = {
    host: parsed.host || undefined, port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user || undefined, password: parsed.password || undefined,
    database: parsed.database || undefined,
  }
  if (parsed.ssl !== undefined) fields.ssl = parsed.ssl
  if (parsed.options) fields.options = parsed.options
  if (parsed.application_name) fields.application_name = parsed.application_name
  return fields
}
