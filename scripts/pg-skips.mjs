// Integration test files that do not run on PostgreSQL yet, each with the reason (docs/design.md §14,
// docs/postgres.md). The PostgreSQL pass (STEPWISE_TEST_PG=1, scripts/test.mjs) leaves exactly these
// out and prints the list; the goal is an empty list, and it is empty: every integration test runs on
// both dialects. Never skip silently: a file that cannot run there goes here with its reason
// ({ file, reason }), and comes out when its area is ported (run it with STEPWISE_TEST_PG=1
// STEPWISE_PG_RUN_SKIPPED=1 npx vitest run <file>).
export const PG_SKIPS = []
