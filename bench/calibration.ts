// `npm run bench -- calibration [--traces=N] [--labelled=0.9,0.1] [--runs=R] [--http]`: calibration over
// ~1M verdicts (default 45,455 traces × 22 verdicts = 1,000,010 verdicts on 454,550 steps) for each
// share of labelled steps. A fast raw-SQL generator (bench/calibration-data.ts) fills a fresh
// database; then, in this process, the services the page and the API call:
//   cold    the first report of a run (builds the per-run step profiles: one pass over its verdicts)
//   warm    getCalibration (agreement + per rule + breakdowns + trace sweep), median of R
//   fit, failures, flips (against a second run with reasoning.claims switched off), median of R
// against raw figures measured in the same run with better-sqlite3: the cheapest query that reads
// every verdict of the run with its labels (a COUNT over Verdict ⋈ Review), and the naive answer to
// the simplest question (one overall confusion matrix by GROUP BY over verdicts and labels). With --http the same
// report is also fetched from `next start` (GET /api/calibration and the /calibration page).
//
// `npm run bench -- calibration --postgres [--verdicts=N] [--labelled=0.1] [--runs=R] [--keep] [--reuse]`: the same on
// PostgreSQL at 10M verdicts (issue #17: the report < 2 s warm). The data is filled server-side
// (bench/calibration-data.ts generateCalibrationDataPg: INSERT … SELECT over generate_series, indexes
// built after the load) in a database `stepwise_bench_calibration` on STEPWISE_BENCH_PG_URL (a
// superuser URL) or on a throw-away cluster (scripts/pg-cluster.mjs); the report is timed cold
// (builds the run's step profiles) and warm, next to the one-matrix query; the database is dropped
// at the end (--keep leaves it; --reuse times a kept one again instead of filling a new one).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { deployMigrations } from "../scripts/migrate-core.mjs";
import { startCluster } from "../scripts/pg-cluster.mjs";
import { startServer } from "./server";
import { generateCalibrationData, generateCalibrationDataPg, VERDICTS_PER_TRACE, type CalibrationData } from "./calibration-data";

const ROOT = path.resolve(import.meta.dirname, "..");
const DIR = path.join(ROOT, ".tmp", "bench-calibration");
const PORT = Number(process.env.BENCH_PORT ?? 3141);

function argument(name: string, fallback: string): string {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given ? given.slice(name.length + 3) : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

async function repeat(runs: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push((await timed(work)).ms);
  return median(samples);
}

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" / ");

/**
 * The first report after 1 / 10 / 100 label changes (each a current step label flipped, on steps
 * spread over the dataset; `samples` times each): the stored label groups are behind the label
 * clock and brought forward (before the change log: folded again in full).
 */
async function firstAfterChanges(report: () => Promise<unknown>, stepLabels: number, samples: number): Promise<Array<{ count: number; ms: number[] }>> {
  const { writeProgram, run: exec } = await import("../lib/db/sql");
  const relabel = (count: number, offset: number) => writeProgram(() => exec(`UPDATE "Review" SET "label" = CASE "label" WHEN 'accept' THEN 'reject' ELSE 'accept' END
    WHERE "id" IN (SELECT "id" FROM "Review" WHERE "stepId" IS NOT NULL AND "current" = TRUE ORDER BY "id" LIMIT ${count} OFFSET ${offset})`));
  const changed: Array<{ count: number; ms: number[] }> = [];
  for (const count of [1, 10, 100]) {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await relabel(count, (i * 7919 + count * 104729) % Math.max(1, stepLabels - count));
      times.push((await timed(report)).ms);
    }
    changed.push({ count, ms: times });
  }
  return changed;
}

function printChanges(changed: Array<{ count: number; ms: number[] }>): void {
  for (const { count, ms: samples } of changed) {
    console.log(`getCalibration, first after ${String(count).padStart(3)} label change${count === 1 ? " " : "s"}                 ${ms(median(samples)).padStart(8)}  (all: ${samples.map((x) => x.toFixed(0)).join(", ")} ms)`);
  }
}

export async function benchCalibration(): Promise<void> {
  if (process.argv.includes("--postgres")) return benchCalibrationPostgres();
  const traces = Number(argument("traces", "45455"));
  const shares = argument("labelled", "0.9,0.1").split(",").map(Number);
  const runs = Number(argument("runs", "5"));
  const http = process.argv.includes("--http");

  for (const share of shares) {
    const dir = path.join(DIR, `labelled-${share}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "stepwise.db");
    await deployMigrations(`file:${file}`);
    const raw = new Database(file);
    raw.pragma("journal_mode = WAL");
    const generation = await timed(() => generateCalibrationData(raw, { traces, stepLabelShare: share, traceLabelShare: 0.5 }));
    const data = generation.result;
    // a second run: reasoning.claims off (its verdicts gone), as after a fit switched it off
    const second = await timed(() => raw.transaction(() => {
      const config = Number(raw.prepare(`INSERT INTO "VerifierConfig" ("version", "name", "parentId", "rules", "tolerances", "threshold") SELECT MAX("version") + 1, 'bench fit', MAX("id"), '{}', '{}', 0.7 FROM "VerifierConfig"`).run().lastInsertRowid);
      const run = Number(raw.prepare(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status", "traces", "steps", "finishedAt") VALUES (?, ?, 'done', ?, ?, CURRENT_TIMESTAMP)`).run(config, data.datasetId, traces, data.steps).lastInsertRowid);
      raw.prepare(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome") SELECT ?, "stepId", "traceId", "rule", "outcome" FROM "Verdict" WHERE "runId" = ? AND "rule" <> 'reasoning.claims' ORDER BY "id"`).run(run, data.runId);
      raw.prepare(`INSERT INTO "TraceScore" ("runId", "traceId", "quality", "valid", "parts") SELECT ?, "traceId", "quality", "valid", "parts" FROM "TraceScore" WHERE "runId" = ?`).run(run, data.runId);
      return run;
    })());
    const secondRun = second.result;
    raw.exec("ANALYZE");
    const rawCount = raw.prepare(`SELECT COUNT(*) FROM "Verdict" v JOIN "Review" r ON r."stepId" = v."stepId" AND r."current" = 1 WHERE v."runId" = ?`).pluck();
    const rawLimit = await repeat(runs, () => rawCount.get(data.runId));
    // the same question answered naively: one confusion matrix straight from verdicts and labels
    const rawMatrix = raw.prepare(`WITH l AS (SELECT "stepId", SUM("label" = 'reject') AS j, SUM("label" = 'accept') AS a FROM "Review" WHERE "current" = 1 AND "stepId" IS NOT NULL AND "afterError" = 0 GROUP BY "stepId"),
      o AS (SELECT "stepId", MAX("outcome" = 'fail') AS f, MAX("outcome" = 'pass') AS p FROM "Verdict" WHERE "runId" = ? GROUP BY "stepId")
      SELECT o.f AS fail, l.j > l.a AS reject, COUNT(*) AS n FROM l JOIN o ON o."stepId" = l."stepId" WHERE (o.f OR o.p) AND l.j <> l.a GROUP BY 1, 2`);
    const rawMatrixMs = await repeat(runs, () => rawMatrix.all(data.runId));

    process.env.DATABASE_URL = `file:${file}`;
    process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
    const { disconnect } = await import("../lib/db");
    const calibration = await import("../lib/services/calibration/calibration");
    const schemas = await import("../lib/schemas/calibration");
    const query = schemas.calibrationQuery.parse({ dataset: data.datasetName, run: data.runId });

    const cold = await timed(() => calibration.getCalibration(query));
    const warm = await repeat(runs, () => calibration.getCalibration(query));
    const fit = await repeat(runs, () => calibration.getFitProposal(schemas.fitQuery.parse({ dataset: data.datasetName, run: data.runId })));
    const failures = await repeat(runs, () => calibration.getFailures(schemas.failuresQuery.parse({ dataset: data.datasetName, run: data.runId })));
    const failuresRule = await repeat(runs, () => calibration.getFailures(schemas.failuresQuery.parse({ dataset: data.datasetName, run: data.runId, rule: "result.reexec", kind: "tool_result" })));
    const flipsCold = await timed(() => calibration.getFlips(schemas.flipsQuery.parse({ dataset: data.datasetName, before: data.runId, after: secondRun })));
    const flips = await repeat(runs, () => calibration.getFlips(schemas.flipsQuery.parse({ dataset: data.datasetName, before: data.runId, after: secondRun })));
    const changed = await firstAfterChanges(() => calibration.getCalibration(query), data.stepLabels, Math.min(runs, 3));
    const report = cold.result;

    console.log(`\n### ${Math.round(share * 100)}% of steps labelled, load average ${load()}`);
    console.log(`generated ${traces.toLocaleString("en-US")} traces, ${data.steps.toLocaleString("en-US")} steps, ${data.verdicts.toLocaleString("en-US")} verdicts, ${data.stepLabels.toLocaleString("en-US")} step labels, ${data.traceLabels.toLocaleString("en-US")} trace decisions in ${(generation.ms / 1000).toFixed(1)} s (+ a second run in ${(second.ms / 1000).toFixed(1)} s)`);
    console.log(`report: ${report.labels.included.toLocaleString("en-US")} steps in the matrix, κ ${report.steps.kappa.value?.toFixed(3)}, ${report.traces.n.toLocaleString("en-US")} traces, AUC ${report.traces.auc?.toFixed(3)}`);
    console.log(`raw limit: COUNT(Verdict ⋈ current Review) over the run          ${ms(rawLimit).padStart(8)}`);
    console.log(`raw: one confusion matrix by GROUP BY over verdicts and labels   ${ms(rawMatrixMs).padStart(8)}`);
    console.log(`getCalibration, cold (builds the run's step profiles)           ${ms(cold.ms).padStart(8)}  ${(cold.ms / rawMatrixMs).toFixed(2)}× the one-matrix query`);
    console.log(`getCalibration, warm (median of ${runs})                              ${ms(warm).padStart(8)}  ${(warm / rawLimit).toFixed(1)}× raw count, ${(warm / rawMatrixMs).toFixed(2)}× the one-matrix query`);
    console.log(`getFitProposal (median)                                          ${ms(fit).padStart(8)}`);
    console.log(`getFailures (median)                                             ${ms(failures).padStart(8)}`);
    console.log(`getFailures rule + kind drill-down (median)                      ${ms(failuresRule).padStart(8)}`);
    console.log(`getFlips, cold (builds the second run's profiles)               ${ms(flipsCold.ms).padStart(8)}`);
    console.log(`getFlips, warm (median)                                          ${ms(flips).padStart(8)}`);
    printChanges(changed);

    if (http) {
      const { base, stop } = await startServer(PORT);
      try {
        const api = `${base}/api/calibration?dataset=${encodeURIComponent(data.datasetName)}`;
        const get = async (url: string) => {
          const response = await fetch(url);
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`HTTP ${response.status} ${url}`);
        };
        const first = await timed(() => get(api));
        console.log(`GET /api/calibration, first request                              ${ms(first.ms).padStart(8)}`);
        console.log(`GET /api/calibration (median of ${runs})                            ${ms(await repeat(runs, () => get(api))).padStart(8)}`);
        console.log(`GET /calibration page, server-rendered (median of ${runs})          ${ms(await repeat(runs, () => get(`${base}/calibration?dataset=${encodeURIComponent(data.datasetName)}`))).padStart(8)}`);
      } finally {
        stop();
      }
    }
    raw.close();
    await disconnect();
  }
}

const PG_DATABASE = "stepwise_bench_calibration";

/** What generateCalibrationDataPg returned, read back from a kept bench database (--reuse). */
async function keptData(client: pg.Client): Promise<CalibrationData> {
  const row = (await client.query(`SELECT d."id" AS "datasetId", d."name" AS "datasetName", (SELECT MIN("id") FROM "VerifierRun" WHERE "datasetId" = d."id") AS "runId",
      (SELECT COUNT(*) FROM "Step") AS steps, (SELECT COUNT(*) FROM "Verdict") AS verdicts,
      (SELECT COUNT(*) FROM "Review" WHERE "stepId" IS NOT NULL) AS "stepLabels", (SELECT COUNT(*) FROM "Review" WHERE "stepId" IS NULL) AS "traceLabels"
    FROM "Dataset" d WHERE d."name" = 'calibration-bench'`)).rows[0];
  if (!row) throw new Error(`--reuse: ${PG_DATABASE} has no dataset calibration-bench; run without --reuse`);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === "datasetName" ? v : Number(v)])) as unknown as CalibrationData;
}

async function benchCalibrationPostgres(): Promise<void> {
  const verdictsWanted = Number(argument("verdicts", "10000000"));
  const traces = Math.ceil(verdictsWanted / VERDICTS_PER_TRACE);
  const shares = argument("labelled", "0.1").split(",").map(Number);
  const runs = Number(argument("runs", "5"));
  const cluster = process.env.STEPWISE_BENCH_PG_URL ? null : await startCluster();
  const adminUrl = process.env.STEPWISE_BENCH_PG_URL ?? cluster!.url;
  const url = new URL(adminUrl);
  url.pathname = `/${PG_DATABASE}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await client.query(text);
    } finally {
      await client.end();
    }
  };
  console.log(`PostgreSQL ${(await admin("SHOW server_version")).rows[0].server_version}, load average ${load()} (1 / 5 / 15 min)`);
  try {
    for (const share of shares) {
      // --reuse: a database kept by an earlier --keep run (migrations brought up to date) instead of a new fill
      const reuse = process.argv.includes("--reuse") && (await admin(`SELECT 1 FROM pg_database WHERE datname = '${PG_DATABASE}'`)).rowCount === 1;
      if (!reuse) {
        await admin(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
        await admin(`CREATE DATABASE ${PG_DATABASE}`);
      }
      await deployMigrations(url.toString());
      const client = new pg.Client({ connectionString: url.toString(), statement_timeout: 0 });
      await client.connect();
      console.log(`\n### PostgreSQL, ${Math.round(share * 100)}% of steps labelled${reuse ? " (database reused)" : ""}`);
      const generation = await timed(() => (reuse ? keptData(client) : generateCalibrationDataPg(client, { traces, stepLabelShare: share, traceLabelShare: 0.5 }, "calibration-bench", (line) => console.log(line))));
      const data = generation.result;
      const counts = (await client.query(`SELECT (SELECT COUNT(*) FROM "Trace") AS traces, (SELECT COUNT(*) FROM "Step") AS steps, (SELECT COUNT(*) FROM "Verdict") AS verdicts,
        (SELECT COUNT(*) FROM "Review") AS reviews, (SELECT pg_size_pretty(pg_database_size(current_database()))) AS size`)).rows[0];
      console.log(`generated ${Number(counts.traces).toLocaleString("en-US")} traces, ${Number(counts.steps).toLocaleString("en-US")} steps, ${Number(counts.verdicts).toLocaleString("en-US")} verdicts, ${data.stepLabels.toLocaleString("en-US")} step labels, ${data.traceLabels.toLocaleString("en-US")} trace decisions (${Number(counts.reviews).toLocaleString("en-US")} Review rows) in ${(generation.ms / 1000).toFixed(1)} s; database ${counts.size}; load average ${load()}`);
      const rawMatrix = `WITH l AS (SELECT "stepId", COUNT(*) FILTER (WHERE "label" = 'reject') AS j, COUNT(*) FILTER (WHERE "label" = 'accept') AS a FROM "Review" WHERE "current" AND "stepId" IS NOT NULL AND NOT "afterError" GROUP BY "stepId"),
        o AS (SELECT "stepId", bool_or("outcome" = 'fail') AS f, bool_or("outcome" = 'pass') AS p FROM "Verdict" WHERE "runId" = $1 GROUP BY "stepId")
        SELECT o.f AS fail, l.j > l.a AS reject, COUNT(*) AS n FROM l JOIN o ON o."stepId" = l."stepId" WHERE (o.f OR o.p) AND l.j <> l.a GROUP BY 1, 2`;
      const rawMatrixMs = await repeat(Math.min(runs, 3), () => client.query(rawMatrix, [data.runId]));
      await client.end();

      process.env.DATABASE_URL = url.toString();
      process.env.STEPWISE_DATA_DIR = path.join(DIR, "postgres-data");
      const { disconnect } = await import("../lib/db");
      const calibration = await import("../lib/services/calibration/calibration");
      const schemas = await import("../lib/schemas/calibration");
      const query = schemas.calibrationQuery.parse({ dataset: data.datasetName, run: data.runId });
      const loadBefore = load();
      const cold = await timed(() => calibration.getCalibration(query));
      const warm: number[] = [];
      for (let i = 0; i < runs; i++) warm.push((await timed(() => calibration.getCalibration(query))).ms);
      const fit = await repeat(Math.min(runs, 3), () => calibration.getFitProposal(schemas.fitQuery.parse({ dataset: data.datasetName, run: data.runId })));
      const changed = await firstAfterChanges(() => calibration.getCalibration(query), data.stepLabels, Math.min(runs, 3));
      const warmAgain = await repeat(runs, () => calibration.getCalibration(query));
      const report = cold.result;
      console.log(`report: ${report.labels.included.toLocaleString("en-US")} steps in the matrix, κ ${report.steps.kappa.value?.toFixed(3)}, ${report.traces.n.toLocaleString("en-US")} traces, AUC ${report.traces.auc?.toFixed(3)}`);
      console.log(`raw: one confusion matrix by GROUP BY over verdicts and labels   ${ms(rawMatrixMs).padStart(8)}`);
      console.log(`getCalibration, cold (builds the run's step profiles in batches) ${ms(cold.ms).padStart(8)}${reuse ? "  (reused database: profiles and label groups as the last run left them)" : ""}`);
      console.log(`getCalibration, warm (median of ${runs})                              ${ms(median(warm)).padStart(8)}  (all: ${warm.map((x) => x.toFixed(0)).join(", ")} ms; ${(median(warm) / rawMatrixMs).toFixed(2)}× the one-matrix query)`);
      console.log(`getFitProposal (median)                                          ${ms(fit).padStart(8)}`);
      printChanges(changed);
      console.log(`getCalibration, warm again after it (median of ${runs})             ${ms(warmAgain).padStart(8)}`);
      console.log(`load average before / after the timings: ${loadBefore} → ${load()}`);
      await disconnect();
    }
  } finally {
    // the bench database is large (GBs at 10M verdicts): never leave it behind (--keep: for EXPLAIN; drop it yourself)
    if (!process.argv.includes("--keep")) await admin(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`).catch((error) => console.error(`could not drop ${PG_DATABASE}: ${(error as Error).message}`));
    if (!process.argv.includes("--keep")) cluster?.stop();
  }
}
