import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { VerifierPool } from "@/lib/verifier/parallel";

// `npm run bench -- verify-scale` — verification across cores (docs/design.md §14, §15):
//   1. in-memory, this thread: verifyRow (the unit both paths run) over the scripted corpus;
//   1b. the verify bench's in-memory figure (verifyTrace over traces held in memory, target ≥ 1M
//      steps/s) on 1..N threads, each verifying its share: what the machine's cores do together;
//   2. the worker_threads pool at 1..N threads (N = the cores; more with --max-threads K):
//      steps/s over the same corpus, the ratio to N × the pool's one-thread figure (target ≥ 0.8)
//      and to N × this thread's figure;
//   2b. the pool reading its own rows from SQLite (what a run's threads do): 1..N threads over the
//      4,000 imported traces, against this thread reading and verifying them;
//   3. a whole run on SQLite (read, verify, write chunks, finish) at 1 and N threads (the threads
//      in the background, then waited for);
//   4. a queued run shared by 1..N `stepwise worker` processes (one thread each), on SQLite and —
//      with STEPWISE_BENCH_PG_URL=postgresql://… (a superuser URL; a throw-away database is made
//      from it) — on PostgreSQL through the job queue: steps/s and the ratio to k × one worker
//      (`-- --workers-only` runs this section alone, `-- --pool-only` sections 1, 1b, 2 and 2b, `-- --run-only` section 3,
//      `-- --memory-only` section 1b).
// The machine is shared: the load average is printed with every figure. Nothing is asserted.

const ROOT = path.resolve(import.meta.dirname, "..");
const WORK = path.join(ROOT, ".tmp", "bench-verify-scale");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const load = () => os.loadavg()[0].toFixed(1);
const ms = (n: number | null | undefined) => (n === null || n === undefined ? "—" : `${fmt(n)} ms`);
/** CPU ms per pass between two readings of threadCpuMs (null when either is unknown). */
const cpuPerPass = (from: number | null, to: number | null, passes: number) => (from === null || to === null ? null : (to - from) / passes);

/** `passes` timed passes of `pass` on `pool`: the rates sorted, and the CPU per pass of this thread, each pool thread and the process. */
async function timedPasses(pool: Pick<VerifierPool, "cpu">, pass: () => Promise<number>, passes: number, threadCpuMs: () => number | null) {
  const main0 = threadCpuMs();
  const process0 = process.cpuUsage();
  const before = pool.cpu().threads;
  const rates: number[] = [];
  for (let p = 0; p < passes; p++) rates.push(await pass());
  const mainCpu = cpuPerPass(main0, threadCpuMs(), passes);
  const used = process.cpuUsage(process0);
  const processCpu = (used.user + used.system) / 1000 / passes;
  const threadCpu = pool.cpu().threads.map((t, i) => cpuPerPass(before[i].totalMs, t.totalMs, passes));
  rates.sort((a, b) => a - b);
  return { rates, mainCpu, processCpu, threadCpu };
}

export async function benchVerifyScale(): Promise<void> {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  process.env.DATABASE_URL = `file:${path.join(WORK, "bench.db")}`;
  process.env.STEPWISE_DATA_DIR = path.join(WORK, "data");
  const { deployMigrations } = await import("../scripts/migrate-core.mjs");
  await deployMigrations(process.env.DATABASE_URL);
  if (process.argv.includes("--workers-only")) {
    // section 4 alone (--max-threads=K for more workers)
    const { coreCount } = await import("@/lib/verifier/parallel");
    const maxArg = process.argv.find((a) => a.startsWith("--max-threads="));
    return workersSection(maxArg ? Number(maxArg.split("=")[1]) : coreCount());
  }
  const { DEFAULT_SETTINGS } = await import("@/lib/verifier/config");
  const { resetVerifierCaches } = await import("@/lib/verifier/verify");
  const { threadCpuMs, verifyRow } = await import("@/lib/verifier/parallel-core");
  const { VerifierPool, coreCount } = await import("@/lib/verifier/parallel");
  const { ORACLE_RATES, generateCorpus, readClevrScenes } = await import("@/lib/teacher/scripted");
  const { wireCorpus } = await import("@/lib/verifier/wire-corpus");

  const scenes = readClevrScenes(path.join(ROOT, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json"));
  const corpus = generateCorpus({ scenes, questionsPerScene: 1, seeds: [1, 2, 3], methods: ["direct"], rates: ORACLE_RATES });
  const { rows, sceneMap } = wireCorpus(scenes, corpus);
  const steps = rows.reduce((s, r) => s + r.steps.length, 0);
  const passes = Math.max(3, Math.ceil(400_000 / steps));
  const maxArg = process.argv.find((a) => a.startsWith("--max-threads="));
  const cores = coreCount();
  const maxThreads = maxArg ? Number(maxArg.split("=")[1]) : cores;
  console.log(`corpus: ${fmt(rows.length)} scripted-teacher traces, ${fmt(steps)} steps (rows as read from the database: JSON text parsed per trace); ${passes} passes per figure; ${cores} cores, load average ${load()} at start`);

  if (process.argv.includes("--memory-only")) return inMemoryAcrossThreads(maxThreads, cores);
  if (!process.argv.includes("--run-only")) {
    // 1. this thread -----------------------------------------------------------------------------------
    // CPU times are this thread's and each pool thread's own (threadCpuMs, /proc/thread-self/stat):
    // unlike wall-clock rates they say where the work goes when the machine is loaded
    const inline = (): number => {
      const programs = new Map<number, unknown>();
      resetVerifierCaches();
      const started = performance.now();
      for (const row of rows) verifyRow(row, sceneMap, programs, DEFAULT_SETTINGS);
      return steps / ((performance.now() - started) / 1000);
    };
    inline();
    const inlineCpu0 = threadCpuMs();
    const inlineProcess0 = process.cpuUsage();
    const inlineRates = Array.from({ length: passes }, inline).sort((a, b) => a - b);
    const inlineCpu = cpuPerPass(inlineCpu0, threadCpuMs(), passes);
    const inlineUsed = process.cpuUsage(inlineProcess0);
    const inlineProcessCpu = (inlineUsed.user + inlineUsed.system) / 1000 / passes;
    const inlineMedian = inlineRates[Math.floor(passes / 2)];
    console.log(`\nthis thread (verifyRow, no pool): median ${fmt(inlineMedian)} steps/s, best ${fmt(inlineRates[passes - 1])}; CPU per pass: this thread ${ms(inlineCpu)}, whole process ${ms(inlineProcessCpu)} (load ${load()})`);

    // 1b. in memory across cores -----------------------------------------------------------------------
    await inMemoryAcrossThreads(maxThreads, cores);

    // 2. the pool at 1..N threads ---------------------------------------------------------------------------
    const SLICE = 200;
    const slices: Array<typeof rows> = [];
    for (let i = 0; i < rows.length; i += SLICE) slices.push(rows.slice(i, i + SLICE));
    const curve: Array<{ threads: number; median: number; best: number; mainCpu: number | null; threadCpu: Array<number | null>; processCpu: number }> = [];
    for (let threads = 1; threads <= maxThreads; threads++) {
      const pool = await VerifierPool.open({ threads, settings: DEFAULT_SETTINGS, scenes: sceneMap });
      if (!(pool instanceof VerifierPool)) throw new Error(`pool did not start: ${pool.reason}`);
      const started = pool.cpu();
      const pass = async (): Promise<number> => {
        const t0 = performance.now();
        await Promise.all(slices.map((slice) => pool.verify(slice)));
        return steps / ((performance.now() - t0) / 1000);
      };
      await pass(); // warm-up: JIT in every thread
      const { rates, mainCpu, processCpu, threadCpu } = await timedPasses(pool, pass, passes, threadCpuMs);
      await pool.close();
      curve.push({ threads, median: rates[Math.floor(passes / 2)], best: rates[passes - 1], mainCpu, threadCpu, processCpu });
      console.log(
        `  pool, ${threads} thread(s): median ${fmt(curve[threads - 1].median)} steps/s, best ${fmt(curve[threads - 1].best)}; start-up ${fmt(started.startMs)} ms wall, ${started.threads.map((t) => ms(t.startMs)).join(" + ")} CPU; per pass CPU: this thread ${ms(mainCpu)}, threads ${threadCpu.map(ms).join(" + ")}, whole process ${ms(processCpu)} (load ${load()})`,
      );
    }
    const one = curve[0];
    console.log("\nscaling (median passes; target at N = the cores: ≥ 0.8 × N × one thread):");
    console.log("  threads   steps/s    × one pool thread   ratio to N × one   ratio to N × this thread");
    for (const c of curve) {
      console.log(`  ${String(c.threads).padStart(7)}${fmt(c.median).padStart(11)}${(c.median / one.median).toFixed(2).padStart(19)}${(c.median / (c.threads * one.median)).toFixed(2).padStart(19)}${(c.median / (c.threads * inlineMedian)).toFixed(2).padStart(26)}`);
    }
    // what the CPU times say, whatever the load: a pass on N threads takes at least its busiest
    // thread's CPU, and at least all the CPU the process needs (this thread, the pool's, and V8's
    // own helpers: garbage collection) spread over the cores
    console.log(`\nCPU per pass (ms; verifyRow on this thread alone: ${ms(inlineCpu)}, whole process ${ms(inlineProcessCpu)}) and the wall time it allows on ${cores} idle cores:`);
    console.log("  threads   this thread   each thread   whole process   bound on idle cores   ratio to N × one (bound)");
    const bound = (c: (typeof curve)[number]): number | null => {
      if (c.mainCpu === null || c.threadCpu.some((t) => t === null)) return null;
      const perThread = c.threadCpu as number[];
      return Math.max(c.mainCpu, ...perThread, c.processCpu / cores);
    };
    const oneBound = bound(one);
    for (const c of curve) {
      const b = bound(c);
      const ratio = b === null || oneBound === null ? "—" : (oneBound / b / c.threads).toFixed(2);
      console.log(`  ${String(c.threads).padStart(7)}${ms(c.mainCpu).padStart(14)}${c.threadCpu.map(ms).join(" + ").padStart(14)}${ms(c.processCpu).padStart(16)}${ms(b).padStart(22)}${ratio.padStart(27)}`);
    }

  }

  // the 4,000 traces sections 2b and 3 read from SQLite
  const { normalizeCanonical } = await import("@/lib/formats/canonical");
  const { importFiles, importRecords } = await import("@/lib/services/import/imports");
  const { runVerifier } = await import("@/lib/services/verify/verify");
  const sceneFile = path.join(WORK, "scenes.json");
  fs.copyFileSync(path.join(ROOT, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json"), sceneFile);
  await importFiles({ files: [sceneFile], dataset: "bench-scale", imagesDir: WORK });
  const persistCorpus = generateCorpus({ scenes, questionsPerScene: 2, seeds: [4, 5], methods: ["direct"], rates: ORACLE_RATES });
  const records = persistCorpus.map((t, i) => {
    const normalized = normalizeCanonical(t.trace, JSON.stringify(t.trace));
    if (!normalized.ok) throw new Error(`bench trace ${t.trace.id} does not normalise`);
    return { type: "trace" as const, line: i + 1, file: "bench", value: normalized.value };
  });
  await importRecords({ dataset: "bench-scale", records, imagesDirs: [WORK] });

  if (!process.argv.includes("--run-only")) await readingSection(maxThreads);
  if (process.argv.includes("--pool-only")) return; // sections 1, 2 and 2b alone (--run-only: 3 alone)

  // 3. a whole run on SQLite at 1 and N threads -------------------------------------------------------
  await runVerifier({ dataset: "bench-scale", threads: 1 }); // warm-up (JIT, page cache)
  console.log(`\nwhole run on SQLite (${fmt(records.length)} traces: read, verify, write verdicts chunk by chunk, finish):`);
  // as a run with threads by default: they start in the background; then waited for (the threads
  // read their own rows from their first chunk: the run's thread CPU is then its share alone)
  for (const [threads, awaitThreads] of [[1, false], [maxThreads, false], [1, false], [maxThreads, false], [maxThreads, true], [maxThreads, true]] as const) {
    const main0 = threadCpuMs();
    const process0 = process.cpuUsage();
    const summary = await runVerifier({ dataset: "bench-scale", threads, awaitThreads });
    const used = process.cpuUsage(process0);
    // threads start in the background (the run verifies on its own thread until they are ready): `summary.threads` says whether they joined;
    // the run's own thread reads and writes: its CPU is what more threads cannot spread
    console.log(
      `  ${threads} thread(s) asked${awaitThreads ? " and waited for" : ""}, ${summary.threads} verifying at the end: ${summary.seconds.toFixed(2)} s, ${fmt(summary.stepsPerSecond)} steps/s, ${fmt(summary.verdicts)} verdicts; CPU: the run's thread ${ms(cpuPerPass(main0, threadCpuMs(), 1))}, whole process ${ms((used.user + used.system) / 1000)} (load ${load()})`,
    );
  }

  if (!process.argv.includes("--run-only")) await workersSection(maxThreads);
}

/**
 * 2b. threads reading their own rows (what a run with threads does): the imported dataset in pages
 * of 200 trace ids, each page split over the threads, every thread reading its part (traces and
 * steps) on its own read-only SQLite connection and verifying it; only results and step ids come
 * back. Against this thread reading and verifying the same pages (readSlice + verifyRow), and the
 * ratio to N × the one-thread pool.
 */
async function readingSection(maxThreads: number): Promise<void> {
  const { DEFAULT_SETTINGS } = await import("@/lib/verifier/config");
  const { threadCpuMs, verifyRow, wireOf } = await import("@/lib/verifier/parallel-core");
  const { VerifierPool, coreCount } = await import("@/lib/verifier/parallel");
  const { readProgram } = await import("@/lib/db/sql");
  const { ChunkStore, readSlice } = await import("@/lib/services/verify/chunk-store");
  const { VerifyStore } = await import("@/lib/services/verify/verify-store");
  const { db } = await import("@/lib/db");
  const { sqliteFile } = await import("@/lib/env");
  const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "bench-scale" } });
  const sceneMap = await readProgram(new VerifyStore().scenes(dataset.id));
  const ids = await readProgram(new ChunkStore().traceIds(dataset.id, 0, null, 1_000_000));
  const pages: number[][] = [];
  for (let i = 0; i < ids.length; i += 200) pages.push(ids.slice(i, i + 200));
  const steps = await db().step.count({ where: { trace: { datasetId: dataset.id } } });
  const passes = Math.max(3, Math.ceil(600_000 / steps));
  const cores = coreCount();
  console.log(`
threads reading their own rows (SQLite, ${fmt(ids.length)} imported traces, ${fmt(steps)} steps, pages of 200; ${passes} passes per figure):`);

  const here = async (): Promise<number> => {
    const programs = new Map<number, unknown>();
    const t0 = performance.now();
    for (const page of pages) {
      const slice = await readProgram(readSlice(dataset.id, page[0] - 1, page[page.length - 1], page.length));
      slice.traces.forEach((t, i) => verifyRow(wireOf(t, slice.steps[i]), sceneMap, programs, DEFAULT_SETTINGS));
    }
    return steps / ((performance.now() - t0) / 1000);
  };
  for (let w = 0; w < 3; w++) await here();
  const here0 = threadCpuMs();
  const hereRates: number[] = [];
  for (let p = 0; p < passes; p++) hereRates.push(await here());
  const hereCpu = cpuPerPass(here0, threadCpuMs(), passes);
  hereRates.sort((a, b) => a - b);
  const hereMedian = hereRates[Math.floor(passes / 2)];
  console.log(`  this thread reads and verifies (no pool): median ${fmt(hereMedian)} steps/s; CPU per pass ${ms(hereCpu)} (load ${load()})`);

  const curve: Array<{ threads: number; median: number; mainCpu: number | null; threadCpu: Array<number | null>; processCpu: number }> = [];
  for (let threads = 1; threads <= maxThreads; threads++) {
    const pool = await VerifierPool.open({ threads, settings: DEFAULT_SETTINGS, scenes: sceneMap, source: { sqlite: sqliteFile()! } });
    if (!(pool instanceof VerifierPool)) throw new Error(`pool did not start: ${pool.reason}`);
    const pass = async (): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(pages.map((page) => pool.readSpread(dataset.id, page)));
      return steps / ((performance.now() - t0) / 1000);
    };
    // warm-up: JIT in every thread (optimising compiles run on V8's helper threads, per thread), each connection's page cache
    for (let w = 0; w < 3; w++) await pass();
    const { rates, mainCpu, processCpu, threadCpu } = await timedPasses(pool, pass, passes, threadCpuMs);
    await pool.close();
    curve.push({ threads, median: rates[Math.floor(passes / 2)], mainCpu, threadCpu, processCpu });
    console.log(`  pool reading, ${threads} thread(s): median ${fmt(curve[threads - 1].median)} steps/s; per pass CPU: this thread ${ms(mainCpu)}, threads ${threadCpu.map(ms).join(" + ")}, whole process ${ms(processCpu)} (load ${load()})`);
  }
  const one = curve[0];
  const bound = (c: (typeof curve)[number]): number | null => (c.mainCpu === null || c.threadCpu.some((t) => t === null) ? null : Math.max(c.mainCpu, ...(c.threadCpu as number[]), c.processCpu / cores));
  const oneBound = bound(one);
  console.log(`  threads   steps/s   ratio to N × one (wall)   ratio to N × this thread (wall)   bound on ${cores} idle cores   ratio to N × one (bound)`);
  for (const c of curve) {
    const b = bound(c);
    const ratio = b === null || oneBound === null ? "—" : (oneBound / b / c.threads).toFixed(2);
    console.log(`  ${String(c.threads).padStart(7)}${fmt(c.median).padStart(10)}${(c.median / (c.threads * one.median)).toFixed(2).padStart(26)}${(c.median / (c.threads * hereMedian)).toFixed(2).padStart(34)}${ms(b).padStart(23)}${ratio.padStart(27)}`);
  }
}

/**
 * 1b. The verify bench's in-memory figure (verifyTrace over traces already in memory, memo caches
 * emptied each pass; target ≥ 1M steps/s) on 1..N threads, each holding its share of the corpus
 * (bench/verify-memory-thread.ts): nothing crosses between threads but counts, so this is what the
 * machine's cores verify together. A pass is timed from "go" to the last thread's answer.
 */
async function inMemoryAcrossThreads(maxThreads: number, cores: number): Promise<void> {
  const { startThread, threadFiles } = await import("@/lib/workers/thread");
  const files = threadFiles("bench/verify-memory-thread.ts", "in-memory bench thread");
  if ("reason" in files) throw new Error(files.reason);
  const PASSES = 25;
  const curve: Array<{ threads: number; median: number; best: number; cpu: number }> = [];
  for (let threads = 1; threads <= maxThreads; threads++) {
    const workers = Array.from({ length: threads }, (_, index) => startThread(files, { index, of: threads, root: ROOT }));
    // a thread's next message, or its error
    const answer = <T,>(w: (typeof workers)[number]) =>
      new Promise<T>((resolve, reject) => {
        const fail = (error: Error) => reject(error);
        w.once("error", fail);
        w.once("message", (m: T) => (w.off("error", fail), resolve(m)));
      });
    try {
      const ready = await Promise.all(workers.map((w) => answer<{ steps: number }>(w)));
      const steps = ready.reduce((s, r) => s + r.steps, 0);
      const rates: number[] = [];
      let cpu0: number[] | null = null;
      let cpu1: number[] = [];
      for (let p = 0; p < PASSES; p++) {
        const started = performance.now();
        const answers = await Promise.all(
          workers.map((w) => {
            const next = answer<{ steps: number; verdicts: number; cpuMs: number | null }>(w);
            w.postMessage({ type: "pass" });
            return next;
          }),
        );
        rates.push(steps / ((performance.now() - started) / 1000));
        if (answers.some((a) => a.verdicts === 0)) throw new Error("a thread verified nothing");
        const cpus = answers.map((a) => a.cpuMs ?? 0);
        if (p === 0) cpu0 = cpus;
        cpu1 = cpus;
      }
      rates.sort((a, b) => a - b);
      const cpu = cpu0 ? cpu1.reduce((s, c, i) => s + c - cpu0![i], 0) / (PASSES - 1) : 0;
      curve.push({ threads, median: rates[Math.floor(PASSES / 2)], best: rates[PASSES - 1], cpu });
      console.log(`
1b. in memory on ${threads} thread(s), each verifying its share, ${fmt(steps)} steps a pass (the corpus 4 times): median ${fmt(rates[Math.floor(PASSES / 2)])} steps/s, best ${fmt(rates[PASSES - 1])}; CPU per pass, all threads ${ms(cpu)} (load ${load()})`);
    } finally {
      for (const w of workers) await w.terminate();
    }
  }
  console.log(`  threads   median steps/s   best   ratio to k × one thread (median; target ≥ 0.8 at ${cores} cores)   vs 1M steps/s (median)`);
  for (const c of curve) {
    console.log(`  ${String(c.threads).padStart(7)}${fmt(c.median).padStart(17)}${fmt(c.best).padStart(11)}${(c.median / (c.threads * curve[0].median)).toFixed(2).padStart(20)}${(c.median / 1e6).toFixed(2).padStart(48)}×`);
  }
}

/**
 * CPU used so far by a PostgreSQL server running on this machine (ms): the postmaster's own and its
 * reaped children's (backends that ended), plus every live child's. Null when it cannot be read.
 */
async function serverCpuMs(dataDir: string): Promise<number | null> {
  const { procTimes } = await import("@/lib/verifier/parallel-core");
  let postmaster: number;
  try {
    postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
  const main = procTimes(`/proc/${postmaster}/stat`);
  if (!main) return null;
  let total = main.ownMs + main.childrenMs;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // a child that ended meanwhile reads as null: it is counted in the postmaster's children's times
    const child = procTimes(`/proc/${entry}/stat`);
    if (child?.ppid === postmaster) total += child.ownMs + child.childrenMs;
  }
  return total;
}

/** 4. queued runs over 1..N worker processes, on SQLite and (STEPWISE_BENCH_PG_URL) PostgreSQL. */
async function workersSection(maxThreads: number): Promise<void> {
  const seeded = path.join(WORK, "workers.db");
  await workerCurve("SQLite", `file:${seeded}`, maxThreads, undefined, async (k) => {
    // a copy of the seeded file, with its WAL if one is left (closed: SQLite rebuilds the -shm)
    const copy = path.join(WORK, `workers-${k}.db`);
    fs.copyFileSync(seeded, copy);
    if (fs.existsSync(`${seeded}-wal`)) fs.copyFileSync(`${seeded}-wal`, `${copy}-wal`);
    return { url: `file:${copy}`, drop: async () => ["", "-wal", "-shm"].forEach((end) => fs.rmSync(`${copy}${end}`, { force: true })) };
  });
  const pgUrl = process.env.STEPWISE_BENCH_PG_URL;
  if (pgUrl) {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const name = `bench_verify_scale_${process.pid}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    // the server's CPU is measured when it runs here (its data directory readable: a local cluster)
    const dataDir = String((await admin.query("SHOW data_directory")).rows[0].data_directory);
    try {
      await workerCurve("PostgreSQL", url.toString(), maxThreads, fs.existsSync(path.join(dataDir, "postmaster.pid")) ? dataDir : undefined, async (k) => {
        // a copy of the seeded database (CREATE DATABASE … TEMPLATE: nobody is connected to it now)
        await admin.query(`CREATE DATABASE ${name}_${k} TEMPLATE ${name}`);
        const copy = new URL(pgUrl);
        copy.pathname = `/${name}_${k}`;
        return { url: copy.toString(), drop: async () => void (await admin.query(`DROP DATABASE IF EXISTS ${name}_${k} WITH (FORCE)`)) };
      });
    } finally {
      for (let k = 1; k <= maxThreads; k++) await admin.query(`DROP DATABASE IF EXISTS ${name}_${k} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  } else console.log("\n(PostgreSQL workers: set STEPWISE_BENCH_PG_URL to a superuser URL, e.g. from node scripts/pg-cluster.mjs start)");
}

/**
 * Traces of the worker bench (synthetic, 8 steps each; `--worker-traces=N`, default 20,000) and
 * chunk size (one queue job per chunk): enough for runs of several seconds per worker, so the
 * figure is not the first chunk's set-up. Each worker process still pays its own warm-up (V8
 * compiling the verifier and the driver's code, the run's session) once per run: a larger N shows
 * the steady state a long run reaches.
 */
const WORKER_TRACES = Number(process.argv.find((a) => a.startsWith("--worker-traces="))?.split("=")[1] ?? 20_000);
/** BENCH_CPU_PROF=<dir>: each worker process runs with --cpu-prof (one folder per curve point; read with bench/cpu-profile.ts). */
const CPU_PROF = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : null;
const WORKER_CHUNK = 500;

/**
 * A queued run over k = 1..max `stepwise worker` processes on the database at `url`: the workers
 * start first (idle, polling; their start-up — tsx, modules, the database and queue connections —
 * is printed apart), then the run is queued; the figure is the run's wall time from queueing to
 * done (VerifierRun.seconds), steps/s, and the ratio to k × the one-worker figure. Each k runs on
 * its own copy of the seeded database (`copyOfSeeded`), so every point starts from the same tables.
 * The workers are stopped, and this process's connections closed, before a database is dropped,
 * whatever happened.
 */
async function workerCurve(
  label: string,
  url: string,
  max: number,
  serverDir: string | undefined,
  copyOfSeeded: (k: number) => Promise<{ url: string; drop: () => Promise<void> }>,
): Promise<void> {
  const { spawn } = await import("node:child_process");
  const { procCpuMs } = await import("@/lib/verifier/parallel-core");
  const { coreCount } = await import("@/lib/verifier/parallel");
  const { disconnect, db } = await import("@/lib/db");
  const { closeQueue } = await import("@/lib/jobs/queue");
  await disconnect();
  process.env.DATABASE_URL = url;
  try {
    const { deployMigrations } = await import("../scripts/migrate-core.mjs");
    await deployMigrations(url);
    const { seedSyntheticTraces } = await import("@/fixtures/verify/seed");
    const { queueVerifierRun } = await import("@/lib/services/verify/verify");
    await seedSyntheticTraces("bench-workers", WORKER_TRACES);
    console.log(`\nqueued runs on ${label} over k worker processes (${fmt(WORKER_TRACES)} synthetic traces, 8 steps each, chunks of ${WORKER_CHUNK}; one thread per worker):`);
    const curve: Array<{ workers: number; rate: number; seconds: number; steps: number; cpu: number | null; busiest: number | null }> = [];
    for (let k = 1; k <= max; k++) {
      // every point of the curve starts from the same database: a copy of the seeded one (a run
      // after an earlier point's would write into tables and indexes that run had already doubled)
      await closeQueue();
      await disconnect();
      const fresh = await copyOfSeeded(k);
      process.env.DATABASE_URL = fresh.url;
      const spawned = performance.now();
      const children = Array.from({ length: k }, () => {
        const profile = CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", path.join(CPU_PROF, `${label}-${k}`)] : [];
        const child = spawn(process.execPath, [...profile, "--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), "worker", "--threads", "1", "--poll-ms", "200"], { env: { ...process.env, DATABASE_URL: fresh.url }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        const ready = new Promise<number>((resolve, reject) => {
          child.stderr!.on("data", (c: Buffer) => {
            stderr += c.toString();
            if (stderr.includes("waiting for queued")) resolve(performance.now() - spawned);
          });
          child.once("exit", (code) => reject(new Error(`a worker exited with code ${code} while starting: ${stderr}`)));
        });
        ready.catch(() => {});
        return { child, ready };
      });
      try {
        const startups = await Promise.all(children.map((c) => c.ready));
        const cpu0 = children.map(({ child }) => procCpuMs(`/proc/${child.pid}/stat`));
        const server0 = serverDir ? await serverCpuMs(serverDir) : null;
        const window0 = process.hrtime.bigint() / 1000n;
        const queued = await queueVerifierRun({ dataset: "bench-workers", batchSize: WORKER_CHUNK });
        for (;;) {
          const run = await db().verifierRun.findUniqueOrThrow({ where: { id: queued.run } });
          if (run.status === "done") {
            const rate = (run.steps ?? 0) / (run.seconds ?? 1);
            // each worker's CPU during the run (whole process, /proc): wall-clock ratios need a quiet machine, these do not
            const cpu = children.map(({ child }, i) => cpuPerPass(cpu0[i], procCpuMs(`/proc/${child.pid}/stat`), 1));
            // the profiles' clock is the same monotonic clock: the run's window, to read them by (bench/cpu-profile.ts --window)
            if (CPU_PROF) console.log(`  profiles: ${path.join(CPU_PROF, `${label}-${k}`)} --window=${window0}-${process.hrtime.bigint() / 1000n}`);
            const server = serverDir ? cpuPerPass(server0, await serverCpuMs(serverDir), 1) : undefined;
            // all the CPU the run took on this machine: the workers (SQLite runs inside them) and a local server
            const known = cpu.every((c) => c !== null) && server !== null && (label === "SQLite" || server !== undefined);
            const cpuAll = known ? cpu.reduce((a: number, c) => a + (c ?? 0), 0) + (server ?? 0) : null;
            curve.push({ workers: k, rate, seconds: run.seconds ?? 0, steps: run.steps ?? 0, cpu: cpuAll, busiest: known ? Math.max(...cpu.map((c) => c ?? 0)) : null });
            console.log(
              `  ${k} worker(s): ${(run.seconds ?? 0).toFixed(2)} s, ${fmt(rate)} steps/s; CPU during the run ${cpu.map(ms).join(" + ")}${server === undefined ? "" : `, the database server ${ms(server)}`}; start-up before it (spawn to waiting) ${startups.map((t) => `${(t / 1000).toFixed(1)} s`).join(", ")} (load ${load()})`,
            );
            break;
          }
          if (run.status !== "running") throw new Error(`run ${queued.run} is ${run.status}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        for (const { child } of children) if (child.exitCode === null) child.kill("SIGTERM");
        await Promise.all(children.map(({ child }) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)))));
        await closeQueue();
        await disconnect();
        await fresh.drop();
      }
    }
    // What the CPU allows: on idle cores a run takes at least all its CPU (workers and a local server)
    // over the cores, and at least its busiest worker's; the bound is the ratio at that wall time.
    // CPU per step against one worker's: how much more work k workers make of the same run.
    const cores = coreCount();
    const one = curve[0];
    console.log(`  workers   steps/s   ratio to k × one worker (target ≥ 0.8)   bound on ${cores} idle cores   CPU per 1,000 steps (all processes)   vs one worker`);
    for (const c of curve) {
      const least = c.cpu === null || c.busiest === null ? null : Math.max(c.cpu / cores, c.busiest) / 1000;
      const bound = least === null || c.workers === 1 ? "—" : (one.seconds / (c.workers * least)).toFixed(2);
      const perStep = c.cpu === null ? null : (1000 * c.cpu) / c.steps;
      const onePerStep = one.cpu === null ? null : (1000 * one.cpu) / one.steps;
      console.log(
        `  ${String(c.workers).padStart(7)}${fmt(c.rate).padStart(10)}${(c.rate / (c.workers * one.rate)).toFixed(2).padStart(14)}${bound.padStart(31)}${(perStep === null ? "—" : `${perStep.toFixed(1)} ms`).padStart(30)}${(perStep === null || onePerStep === null ? "—" : (perStep / onePerStep).toFixed(2)).padStart(21)}`,
      );
    }
  } finally {
    await closeQueue();
    await disconnect();
  }
}
