import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { once } from "node:events";
import path from "node:path";
import Database from "better-sqlite3";
import { generateTraces } from "@/fixtures/export/generate";
import { ROOT, deployMigrations } from "@/scripts/migrate-core.mjs";

// `npm run bench -- export`: 100,000 synthetic traces (8 steps each, real trace shape) exported as
// TRL SFT JSONL, against the machine's raw limit for the same data measured in the same run:
// "read rows (trace + steps, keyset pages) + JSON.stringify + write" straight on better-sqlite3.
// Each measurement runs in its own child process so its peak RSS (getrusage maxrss) is its own;
// the export also runs on a 25,000-trace dataset to show that memory does not grow with size.
// EXPORT_BENCH_TRACES=N changes the size; EXPORT_BENCH_PHASES=1 prints the export's time per pass.

const BIG = Number(process.env.EXPORT_BENCH_TRACES ?? 100_000);
const SMALL = Math.round(BIG / 4);
const CHILD = process.env.STEPWISE_EXPORT_BENCH_CHILD;

interface Measurement {
  seconds: number;
  rows: number;
  bytes: number;
  maxRssMb: number;
  /** V8 heap in use after a full GC at 20%, 40%, … of the write pass (MB): flat = nothing accumulates. */
  heapAfterGcMb?: number[];
}

async function rawLimit(dbFile: string, dataset: string, outFile: string): Promise<Measurement> {
  const started = process.hrtime.bigint();
  const handle = new Database(dbFile, { readonly: true });
  const datasetId = (handle.prepare(`SELECT "id" FROM "Dataset" WHERE "name" = ?`).get(dataset) as { id: number }).id;
  const traces = handle.prepare(`SELECT * FROM "Trace" WHERE "datasetId" = ? AND "id" > ? ORDER BY "id" LIMIT 1000`);
  const steps = handle.prepare(`SELECT * FROM "Step" WHERE "traceId" IN (SELECT value FROM json_each(?)) ORDER BY "traceId", "index"`);
  const out = fs.createWriteStream(outFile);
  let after = 0;
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const page = traces.all(datasetId, after) as Array<{ id: number }>;
    if (page.length === 0) break;
    const byTrace = new Map<number, unknown[]>();
    for (const s of steps.all(JSON.stringify(page.map((t) => t.id))) as Array<{ traceId: number }>) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    const chunk = page.map((t) => `${JSON.stringify({ ...t, steps: byTrace.get(t.id) ?? [] })}\n`).join("");
    bytes += Buffer.byteLength(chunk);
    rows += page.length;
    if (!out.write(chunk)) await once(out, "drain");
    after = page[page.length - 1].id;
  }
  out.end();
  await once(out, "close");
  handle.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, rows, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

async function ourExport(dataset: string, out: string): Promise<Measurement> {
  const { runExport } = await import("@/lib/services/export/exports");
  const started = process.hrtime.bigint();
  const phases: Record<string, number> = {};
  let last = Number(started) / 1e6;
  let lastStage = "start";
  const heap: number[] = [];
  const collect = (globalThis as { gc?: () => void }).gc;
  const result = await runExport({
    config: { datasets: [dataset], format: "trl-sft", images: "reference" },
    out,
    overwrite: true,
    onProgress: (fraction, stage) => {
      // the write pass spans 0.35–0.95 of the progress; sample the live heap five times along it
      const mark = Math.floor(((fraction - 0.35) / 0.6) * 5);
      if (collect && stage.startsWith("Writing rows") && mark > heap.length && heap.length < 5) {
        collect();
        heap.push(Math.round(process.memoryUsage().heapUsed / 1e5) / 10);
      }
      const name = stage.split(":")[0];
      if (name === lastStage) return;
      const now = Number(process.hrtime.bigint()) / 1e6;
      phases[lastStage] = now - last;
      last = now;
      lastStage = name;
    },
  });
  if (process.env.EXPORT_BENCH_PHASES) console.error(JSON.stringify(phases));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = result.files.filter((f) => f.path.startsWith("data/")).reduce((n, f) => n + fs.statSync(path.join(out, f.path)).size, 0);
  return { seconds, rows: result.rows, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024, heapAfterGcMb: heap };
}

/** Runs this file in a child process for one measurement. */
function child(task: string, env: Record<string, string>): Measurement {
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "bench/export.ts")], {
    cwd: ROOT,
    // --expose-gc: the export child samples its heap after full collections (a few ms each)
    env: { ...process.env, ...env, STEPWISE_EXPORT_BENCH_CHILD: task, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc`.trim() },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${task} child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Measurement;
}

export async function benchExport(): Promise<void> {
  const dir = path.join(ROOT, "bench/out/export");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const dbFile = path.join(dir, "bench.db");
  const url = `file:${dbFile}`;
  await deployMigrations(url);
  const handle = new Database(dbFile);
  handle.pragma("journal_mode = WAL");
  let started = Date.now();
  for (const [dataset, count] of [["bench-small", SMALL], ["bench-big", BIG]] as const) {
    for (let offset = 0; offset < count; offset += 10_000) {
      handle.transaction(() => generateTraces(handle, { dataset, traces: Math.min(10_000, count - offset), offset, tracesPerImage: 2 }))();
    }
  }
  handle.close();
  console.log(`generated ${SMALL + BIG} traces (${(SMALL + BIG) * 8} steps) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const env = { DATABASE_URL: url, STEPWISE_DATA_DIR: path.join(dir, "data"), BENCH_DB: dbFile, BENCH_DIR: dir };
  started = Date.now();
  const raw = child("raw", env);
  const ours = child("export-big", env);
  const small = child("export-small", env);
  const row = (label: string, m: Measurement) =>
    `| ${label} | ${m.rows.toLocaleString("en-US")} | ${m.seconds.toFixed(2)} | ${Math.round(m.rows / m.seconds).toLocaleString("en-US")} | ${(m.bytes / 1e6).toFixed(1)} | ${Math.round(m.maxRssMb)} |`;
  console.log("| run | rows | s | rows/s | MB written | peak RSS MB |");
  console.log("|---|---:|---:|---:|---:|---:|");
  console.log(row(`raw limit: read + JSON.stringify + write (${BIG.toLocaleString("en-US")} traces)`, raw));
  console.log(row(`stepwise export trl-sft (${BIG.toLocaleString("en-US")} traces)`, ours));
  console.log(row(`stepwise export trl-sft (${SMALL.toLocaleString("en-US")} traces)`, small));
  console.log(`\nthroughput ratio export / raw limit: ${((ours.rows / ours.seconds) / (raw.rows / raw.seconds)).toFixed(2)} (target ≥ 0.5)`);
  console.log(`peak RSS ${SMALL.toLocaleString("en-US")} → ${BIG.toLocaleString("en-US")} traces: ${Math.round(small.maxRssMb)} → ${Math.round(ours.maxRssMb)} MB`);
  console.log(`live heap after GC along the write pass, ${SMALL.toLocaleString("en-US")} traces: ${small.heapAfterGcMb?.join(", ")} MB; ${BIG.toLocaleString("en-US")} traces: ${ours.heapAfterGcMb?.join(", ")} MB`);
  console.log(`(measurements took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (CHILD) {
  const dir = process.env.BENCH_DIR!;
  const task =
    CHILD === "raw"
      ? rawLimit(process.env.BENCH_DB!, "bench-big", path.join(dir, "raw.jsonl"))
      : ourExport(CHILD === "export-big" ? "bench-big" : "bench-small", path.join(dir, CHILD));
  task
    .then(async (m) => {
      const { disconnect } = await import("@/lib/db");
      await disconnect();
      process.stdout.write(`${JSON.stringify(m)}\n`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
