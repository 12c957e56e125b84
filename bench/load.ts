// `npm run bench -- load`: the server under load (issue 15). A bench database with 100k traces /
// 1M steps (bench/review.ts `generate`), `next start` on it, then for each of GET /api/traces,
// GET /traces, a trace page and a label action: 20 concurrent clients for BENCH_SECONDS (default
// 30) — throughput and latency percentiles. Then the same four, 5 clients each, while a 60k-trace
// import is uploaded to the same server (POST /api/imports): the longest any request waited and
// the p95, against the targets (≥ 200 req/s on GET /api/traces, trace page p95 < 250 ms, no
// request waits more than 500 ms for the import). /api/health sampled every 50 ms throughout is
// the event-loop probe: its worst latency is the longest stall.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deployMigrations } from "../scripts/migrate-core.mjs";
import { trace as canonicalTrace } from "./import";
import { generate } from "./review";
import { startServer } from "./server";

const PORT = Number(process.env.BENCH_PORT ?? 3191);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const IMPORT_TRACES = Number(process.env.BENCH_IMPORT_TRACES ?? 60_000);
const ROOT = path.resolve(import.meta.dirname, "..");
const DIR = path.join(ROOT, ".tmp", "bench-load");
const HEADERS: Record<string, string> = {};

/** An admin account and API token on the bench database (requests are signed in, docs/design.md §13). */
function signIn(file: string): void {
  const env = { ...process.env, DATABASE_URL: `file:${file}`, STEPWISE_DATA_DIR: path.join(DIR, "data") };
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), ...args, "--json"], { cwd: ROOT, env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`stepwise ${args[0]} ${args[1]}: ${result.stderr || result.stdout}`);
    return JSON.parse(result.stdout);
  };
  cli("users", "create", "--email", "bench@bench.test", "--password", "bench-password-123", "--role", "admin", "--name", "bench");
  HEADERS.authorization = `Bearer ${cli("tokens", "create", "--email", "bench@bench.test", "--scope", "admin").token}`;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (v: number) => `${v.toFixed(0)} ms`.padStart(8);

interface Target {
  name: string;
  request: (i: number) => Promise<Response>;
}

interface Result {
  name: string;
  samples: number[];
  errors: number;
  seconds: number;
}

/** `clients` loops over `target` for `seconds`; latency per answered request. */
async function drive(target: Target, clients: number, seconds: number, counter: { n: number }): Promise<Result> {
  const samples: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const response = await target.request(counter.n++);
          await response.arrayBuffer();
          if (response.status >= 500 || response.status === 401 || response.status === 403) errors++;
          else samples.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { name: target.name, samples, errors, seconds: (performance.now() - started) / 1000 };
}

const load = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")}`;

function line(result: Result): string {
  const s = result.samples;
  return `${result.name.padEnd(22)} ${(s.length / result.seconds).toFixed(1).padStart(7)} req/s  p50 ${ms(percentile(s, 50))}  p95 ${ms(percentile(s, 95))}  max ${ms(Math.max(...s))}  errors ${result.errors}  (${load()})`;
}

/** Samples /api/health every 50 ms until stopped: the worst answer time is the longest event-loop stall seen from outside. */
function probe(base: string): { stop: () => Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await (await fetch(`${base}/api/health`, { headers: HEADERS })).arrayBuffer();
        samples.push(performance.now() - t0);
      } catch {
        // counted as missing
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

export async function benchLoad(): Promise<void> {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, "bench.db");
  await deployMigrations(`file:${file}`);
  const { sceneTrace } = generate(file);
  signIn(file);
  // the upload: IMPORT_TRACES canonical traces (bench/import.ts), into a new dataset
  const upload = path.join(DIR, "upload.jsonl");
  const out = fs.openSync(upload, "w");
  for (let n = 0; n < IMPORT_TRACES; n++) fs.writeSync(out, `${canonicalTrace(n)}\n`);
  fs.closeSync(out);
  console.log(`upload file: ${IMPORT_TRACES.toLocaleString()} traces, ${(fs.statSync(upload).size / 1e6).toFixed(0)} MB`);

  const { base, stop } = await startServer(PORT, { DATABASE_URL: `file:${file}`, STEPWISE_DATA_DIR: path.join(DIR, "data"), STEPWISE_NO_RECOVERY: "1" });
  try {
    // steps of the generated traces: 10 per trace, ids from 1; each label goes to a fresh step (version 1)
    let nextStep = 1;
    const targets: Target[] = [
      { name: "GET /api/traces", request: (i) => fetch(`${base}/api/traces?limit=50${i % 2 ? "&method=direct" : ""}`, { headers: HEADERS }) },
      { name: "GET /traces", request: () => fetch(`${base}/traces`, { headers: HEADERS }) },
      { name: "GET /traces/ID", request: (i) => fetch(`${base}/traces/${sceneTrace - 500 + (i % 1000)}`, { headers: HEADERS }) },
      {
        name: "POST label",
        request: () =>
          fetch(`${base}/api/steps/${(nextStep += 10)}/label`, { method: "POST", headers: { ...HEADERS, "content-type": "application/json" }, body: JSON.stringify({ label: "accept", expectedVersion: 1 }) }),
      },
    ];
    // warm-up: compile caches, page chunks
    for (const target of targets) for (let i = 0; i < 5; i++) await (await target.request(i)).arrayBuffer();

    console.log(`\n${CLIENTS} concurrent clients, ${SECONDS} s each, ${(await (await fetch(`${base}/api/datasets`, { headers: HEADERS })).json()).map((d: { name: string; traces?: number }) => `${d.name}: ${d.traces ?? "?"} traces`).join(", ")}`);
    const idle = probe(base);
    console.log(`before: ${load()}`);
    for (const target of targets) console.log(line(await drive(target, CLIENTS, SECONDS, { n: 0 })));
    const idleHealth = await idle.stop();
    console.log(`${"/api/health probe".padEnd(22)} p95 ${ms(percentile(idleHealth, 95))}  max ${ms(Math.max(...idleHealth))}`);

    console.log(`\nwhile a ${IMPORT_TRACES.toLocaleString()}-trace import is uploaded (5 clients per endpoint):`);
    const busy = probe(base);
    const form = new FormData();
    form.set("dataset", "bench-upload");
    form.append("files", await fs.openAsBlob(upload), "upload.jsonl");
    const importStarted = performance.now();
    let importSeconds = 0;
    const importDone = fetch(`${base}/api/imports`, { method: "POST", body: form, headers: HEADERS }).then(async (response) => {
      importSeconds = (performance.now() - importStarted) / 1000;
      const text = await response.text();
      if (response.status !== 201) console.log(`import: HTTP ${response.status} ${text.slice(0, 300)}`);
      else console.log(`import: done in ${importSeconds.toFixed(1)} s`);
    });
    const during = await Promise.all(
      targets.map(async (target) => {
        const results: Result[] = [];
        // keep loading until the import finished (at least SECONDS)
        const counter = { n: 0 };
        let finished = false;
        void importDone.then(() => (finished = true));
        do results.push(await drive(target, 5, Math.min(SECONDS, 10), counter));
        while (!finished);
        const samples = results.flatMap((r) => r.samples);
        return { name: target.name, samples, errors: results.reduce((n, r) => n + r.errors, 0), seconds: results.reduce((n, r) => n + r.seconds, 0) };
      }),
    );
    await importDone;
    const busyHealth = await busy.stop();
    for (const result of during) console.log(line(result));
    console.log(`${"/api/health probe".padEnd(22)} p95 ${ms(percentile(busyHealth, 95))}  max ${ms(Math.max(...busyHealth))}  (longest stall while importing)`);
    const worst = Math.max(...during.flatMap((r) => r.samples), ...busyHealth);
    console.log(`\nlongest wait during the import: ${ms(worst)} (target ≤ 500 ms)`);
  } finally {
    stop();
  }
}
