// `npm run bench -- bulk`: a bulk review action at scale (docs/design.md §6 "Bulk actions"). A fresh
// database with N valid traces (default 10,000 × 10 steps = 100,000 steps, each with a passing
// verdict), then previewBulk, applyBulk and the undo of "accept every step the verifier passed"
// over all of it through the services (the API's path), against the raw limit: the same 100,000
// review rows inserted with one prepared statement in one transaction on another fresh copy.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { deployMigrations } from "../scripts/migrate-core.mjs";

const TRACES = Number(process.env.BENCH_TRACES ?? 10_000);
const STEPS = 10;
const ROOT = path.resolve(import.meta.dirname, "..");
const DIR = path.join(ROOT, ".tmp", "bench-bulk");

function generate(file: string): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.transaction(() => {
    db.prepare(`INSERT INTO "Dataset" ("name") VALUES ('bench')`).run();
    db.prepare(`INSERT INTO "User" ("name", "role") VALUES ('bench', 'reviewer')`).run();
    const config = Number(db.prepare(`SELECT "id" FROM "VerifierConfig" ORDER BY "version" LIMIT 1`).pluck().get() ?? db.prepare(`INSERT INTO "VerifierConfig" ("version", "name", "rules", "tolerances", "threshold") VALUES (1, 'v1', '{}', '{}', 0.8)`).run().lastInsertRowid);
    const run = Number(db.prepare(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status") VALUES (?, 1, 'done')`).run(config).lastInsertRowid);
    const trace = db.prepare(`INSERT INTO "Trace" ("datasetId", "externalId", "question", "format", "contentHash", "raw", "stepCount", "valid", "quality", "runId") VALUES (1, ?, 'q', 'canonical', ?, '{}', ?, 1, 0.9, ?)`);
    const step = db.prepare(`INSERT INTO "Step" ("traceId", "index", "kind", "text") VALUES (?, ?, 'reasoning', 't')`);
    const verdict = db.prepare(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome") VALUES (?, ?, ?, 'reasoning.claims', 'pass')`);
    for (let t = 0; t < TRACES; t++) {
      const id = Number(trace.run(`b${t}`, `h${t}`, STEPS, run).lastInsertRowid);
      for (let s = 0; s < STEPS; s++) verdict.run(run, Number(step.run(id, s).lastInsertRowid), id);
    }
  })();
  db.close();
}

export async function benchBulk(): Promise<void> {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const template = path.join(DIR, "template.db");
  await deployMigrations(`file:${template}`);
  generate(template);
  const ours = path.join(DIR, "ours.db");
  const raw = path.join(DIR, "raw.db");
  fs.copyFileSync(template, ours);
  fs.copyFileSync(template, raw);

  // raw limit: the review rows alone, one statement, one transaction
  const rawDb = new Database(raw);
  rawDb.pragma("journal_mode = WAL");
  rawDb.pragma("synchronous = NORMAL");
  const steps = rawDb.prepare(`SELECT "id", "traceId" FROM "Step"`).raw().all() as Array<[number, number]>;
  const insert = rawDb.prepare(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source") VALUES (?, ?, 1, 'accept', 'human')`);
  const rawStarted = performance.now();
  rawDb.transaction(() => { for (const [id, traceId] of steps) insert.run(traceId, id); })();
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  rawDb.close();

  process.env.DATABASE_URL = `file:${ours}`;
  process.env.STEPWISE_DATA_DIR = path.join(DIR, "data");
  const { previewBulk, applyBulk } = await import("../lib/services/review/bulk");
  const { undoLastAction } = await import("../lib/services/review/reviews");
  const { sqlite, disconnect } = await import("../lib/db");
  await sqlite();
  const body = { filter: { dataset: "bench" }, action: { kind: "accept_passed_steps" as const }, overwrite: false };
  const rssBefore = process.memoryUsage().rss;
  let started = performance.now();
  const preview = await previewBulk(body, { user: "bench" });
  const previewSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const applied = await applyBulk(body, { user: "bench" });
  const applySeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const undone = await undoLastAction({ user: "bench" });
  const undoSeconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  await disconnect();
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  console.log(`${TRACES.toLocaleString()} traces, ${(TRACES * STEPS).toLocaleString()} steps`);
  console.log(`preview  ${previewSeconds.toFixed(2)} s  (${preview.items.toLocaleString()} labels to write)`);
  console.log(`apply    ${applySeconds.toFixed(2)} s  (${applied.items.toLocaleString()} labels in ${applied.chunks} chunks)`);
  console.log(`undo     ${undoSeconds.toFixed(2)} s  (${undone.bulk?.reverted.toLocaleString()} reverted in ${undone.bulk?.chunks} chunks)`);
  console.log(`raw      ${rawSeconds.toFixed(2)} s  (the review rows alone, one transaction)`);
  console.log(`ratio raw/apply ${(rawSeconds / applySeconds).toFixed(2)}; RSS ${mb(rssBefore)} → peak ${mb(peak)}`);
}
