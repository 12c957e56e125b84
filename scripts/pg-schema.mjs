#!/usr/bin/env node
// Generates prisma/postgres/schema.prisma from the one source, prisma/schema.prisma (docs/design.md §14).
// The models are provider-neutral (no @db.* types), so the PostgreSQL schema differs only in the
// datasource provider, the generated client's folder, and Json fields marked `// [pg: json]` in the
// source: those become `@db.Json` (PostgreSQL's json, which keeps the text as written — key order,
// spacing, number text) instead of Prisma's default jsonb, which reorders keys (shorter first) and
// reformats; exports write that text verbatim and must be the same bytes on both dialects
// (docs/postgres.md "JSON kept verbatim"). Never edit the output by hand:
//   node scripts/pg-schema.mjs          write prisma/postgres/schema.prisma
//   node scripts/pg-schema.mjs --check  exit 1 when the committed file is out of date
// scripts/pg-schema.test.ts keeps the two in sync; `npm run db:generate` runs this first.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const SOURCE = path.join(ROOT, 'prisma', 'schema.prisma')
export const TARGET = path.join(ROOT, 'prisma', 'postgres', 'schema.prisma')

/** The PostgreSQL twin of a SQLite schema text; throws when the source uses something it cannot map. */
export function postgresSchema(source) {
  const datasource = /datasource\s+db\s*\{[^}]*\}/s.exec(source)
  if (!datasource || !/provider\s*=\s*"sqlite"/.test(datasource[0])) throw new Error('prisma/schema.prisma: datasource db with provider "sqlite" not found')
  const generator = /generator\s+client\s*\{[^}]*\}/s.exec(source)
  if (!generator || !/output\s*=\s*"\.\.\/lib\/generated\/prisma"/.test(generator[0])) throw new Error('prisma/schema.prisma: generator client with output "../lib/generated/prisma" not found')
  const native = /@db\.\w+/.exec(source)
  if (native) throw new Error(`prisma/schema.prisma: native type ${native[0]} is not provider-neutral (docs/design.md §14)`)
  const verbatim = source.replace(/^(\s+\w+\s+Json\??)(\s[^\n]*\/\/[^\n]*\[pg: json\])/gm, '$1 @db.Json$2')
  const body = verbatim
    .replace(datasource[0], datasource[0].replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"'))
    .replace(generator[0], generator[0].replace(/output(\s*)=\s*"\.\.\/lib\/generated\/prisma"/, 'output$1= "../../lib/generated/postgres"'))
  return `// GENERATED from prisma/schema.prisma by scripts/pg-schema.mjs — do not edit; edit the source and run\n// \`node scripts/pg-schema.mjs\` (npm run db:generate does). PostgreSQL migrations: prisma/postgres/migrations.\n\n${body}`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const want = postgresSchema(fs.readFileSync(SOURCE, 'utf8'))
  const have = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : null
  if (process.argv.includes('--check')) {
    if (have !== want) {
      console.error(`${path.relative(ROOT, TARGET)} is out of date: run node scripts/pg-schema.mjs`)
      process.exit(1)
    }
  } else if (have !== want) {
    fs.mkdirSync(path.dirname(TARGET), { recursive: true })
    fs.writeFileSync(TARGET, want)
    console.log(`wrote ${path.relative(ROOT, TARGET)}`)
  }
}
