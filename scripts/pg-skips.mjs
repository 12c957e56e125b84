// Integration test files that do not run on PostgreSQL yet, each with the reason (docs/design.md §14,
// docs/postgres.md). The PostgreSQL pass (STEPWISE_TEST_PG=1, scripts/test.mjs) leaves exactly these
// out and prints the list; the goal is an empty list. Never skip silently: add the file here with its
// reason, and take it out when its area is ported (run it with STEPWISE_TEST_PG=1
// STEPWISE_PG_RUN_SKIPPED=1 npx vitest run <file>).
const GENERATION = 'a generation job writes its questions through the import writer\'s SQLite form and its traces in the job runner\'s SQLite-only ItemOutcome.commit (lib/services/generate/generation.ts) — on PostgreSQL the runner refuses it with "not ported to PostgreSQL yet"'

export const PG_SKIPS = [
  { file: 'lib/services/generate/evaluation.int.test.ts', reason: GENERATION },
  { file: 'lib/services/generate/generation-jobs.int.test.ts', reason: GENERATION },
  { file: 'lib/services/generate/table1.int.test.ts', reason: GENERATION },
  { file: 'lib/cli/commands/generate.int.test.ts', reason: GENERATION },
  { file: 'lib/cli/generate-endpoint.int.test.ts', reason: GENERATION },
  { file: 'lib/services/review/regenerate.int.test.ts', reason: `Re-generate from here runs a generation job: ${GENERATION}` },
]
