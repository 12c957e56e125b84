// `npm run bench -- generate [--traces=N] [--concurrency=C] [--latency-ms=L]`: a generation job
// (method direct, default N = 50,000 question × sample items, C = 64, L = 200) against the built-in
// teacher with a fixed latency, run as `stepwise teacher-serve` in a child process so this process
// holds only Stepwise's side. Template questions over the 1000 CLEVR scenes in the repo, into a
// fresh database. Reports (docs/design.md §10, targets from issue 12):
//   - throughput in requests/s against the concurrency bound C / L (target ≥ 0.9 ×);
//   - Stepwise's own work per request — an item's wall time minus the time its requests were in
//     flight, over its requests — p50 / p95 (target p95 < 3 ms), and CPU time per request;
//   - RSS sampled every 5 % of the job, with the live heap after a full GC (target: flat);
//   - the teacher-serve child's CPU per request (it shares the machine's cores with this process).
// `--cpu-prof=FILE` writes a CPU profile of the job alone (not the setup) for DevTools.
// `--postgres`: into a fresh PostgreSQL database on the server of DATABASE_URL (or
// STEPWISE_BENCH_PG_URL), a role that may create databases; dropped at the end.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import inspector from "node:inspector";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { deployMigrations } from "../scripts/migrate-core.mjs";
import { benchPgServer, dropPgDatabase, freshPgDatabase } from "./import";

const ROOT = path.resolve(import.meta.dirname, "..");
const SCENES = path.join(ROOT, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json");

function argument(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given ? Number(given.split("=")[1]) : fallback;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** User + system CPU of a process so far, in ms (Linux /proc; 0 elsewhere). */
function childCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function startServer(latencyMs: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), "teacher-serve", "--port", "0", "--faults", "none", "--latency-ms", String(latencyMs), "--scenes", SCENES], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (chunk) => {
      err += chunk;
      const match = /listening on (\S+)/.exec(err);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`teacher-serve exited ${code}: ${err}`)));
  });
  return { url, child };
}

export async function benchGenerate(): Promise<void> {
  const items = argument("traces", 50_000);
  const concurrency = argument("concurrency", 64);
  const latencyMs = argument("latency-ms", 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "generate-bench-"));
  const server = process.argv.includes("--postgres") ? benchPgServer() : null;
  const PG_NAME = "stepwise_bench_generate";
  let database = `file:${path.join(dir, "bench.db")}`;
  if (server) database = await freshPgDatabase(server, PG_NAME);
  else await deployMigrations(database);
  process.env.DATABASE_URL = database;
  process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
  const { importFiles } = await import("../lib/services/import/imports");
  const { prepareGeneration, observeGenerationItems } = await import("../lib/services/generate/generation");
  const { templateQuestionLines } = await import("../lib/services/generate/template-questions");
  const { readClevrScenes } = await import("../lib/teacher/scripted");
  const { getJob, runJob } = await import("../lib/jobs/jobs");
  const { disconnect } = await import("../lib/db");

  await importFiles({ files: [SCENES], dataset: "bench" });
  const scenes = readClevrScenes(SCENES);
  const questions = templateQuestionLines(scenes, Math.max(1, Math.ceil(items / scenes.length))).slice(0, items);
  const questionsFile = path.join(dir, "questions.jsonl");
  fs.writeFileSync(questionsFile, `${questions.join("\n")}\n`);
  const { url, child } = await startServer(latencyMs);

  const ownPerRequest: number[] = [];
  const waitPerRequest: number[] = [];
  const rss: Array<{ done: number; mb: number; heapMb: number }> = [];
  let finished = 0;
  const every = Math.max(1, Math.floor(questions.length / 20));
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  observeGenerationItems((probe) => {
    if (probe.requests) {
      ownPerRequest.push((probe.end - probe.start - probe.waitMs) / probe.requests);
      waitPerRequest.push(probe.waitMs / probe.requests);
    }
    if (++finished % every === 0) {
      const mb = Math.round(process.memoryUsage().rss / 1e6);
      gc();
      rss.push({ done: finished, mb, heapMb: Math.round(process.memoryUsage().heapUsed / 1e6) });
    }
  });
  const profile = process.argv.find((a) => a.startsWith("--cpu-prof="))?.split("=")[1];
  const session = profile ? new inspector.Session() : null;
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

  try {
    const { job } = await prepareGeneration({ dataset: "bench", questionsFile, endpoint: { baseUrl: url, model: "stepwise/scripted-teacher", maxRetries: 2 }, method: "direct", concurrency, sendImage: false });
    if (session) {
      session.connect();
      await post("Profiler.enable");
      await post("Profiler.start");
    }
    const serverCpu = childCpuMs(child.pid!);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const final = await runJob(job.id);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const serverUsed = childCpuMs(child.pid!) - serverCpu;
    if (session) {
      const { profile: data } = (await post("Profiler.stop")) as { profile: unknown };
      fs.writeFileSync(profile!, JSON.stringify(data));
      session.disconnect();
      console.log(`CPU profile of the job: ${profile}`);
    }
    const requests = final.counters.requests ?? 0;
    const bound = concurrency / (latencyMs / 1000);
    const rate = requests / seconds;
    ownPerRequest.sort((a, b) => a - b);
    const after = await getJob(job.id);
    console.log(`${server ? "PostgreSQL" : "SQLite"}: job ${after.id} ${after.status}${after.error ? ` (${after.error})` : ""}: ${after.done} traces (${after.failed} failed), ${requests} requests in ${seconds.toFixed(1)} s; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    console.log(`throughput: ${rate.toFixed(1)} requests/s = ${(rate / bound).toFixed(3)} × the concurrency bound ${bound} (${concurrency} / ${latencyMs / 1000} s); target ≥ 0.9; ${(after.done / seconds).toFixed(1)} traces/s`);
    console.log(`own work per request: p50 ${quantile(ownPerRequest, 0.5).toFixed(2)} ms, p95 ${quantile(ownPerRequest, 0.95).toFixed(2)} ms (target p95 < 3 ms); CPU ${(((used.user + used.system) / 1000) / Math.max(1, requests)).toFixed(2)} ms per request (user ${(used.user / 1000 / Math.max(1, requests)).toFixed(2)}, system ${(used.system / 1000 / Math.max(1, requests)).toFixed(2)})`);
    waitPerRequest.sort((a, b) => a - b);
    console.log(`time in the client's calls per request (the endpoint's ${latencyMs} ms + transport + event-loop delay): p50 ${quantile(waitPerRequest, 0.5).toFixed(1)} ms, p95 ${quantile(waitPerRequest, 0.95).toFixed(1)} ms`);
    console.log(`teacher-serve (child process) CPU: ${(serverUsed / Math.max(1, requests)).toFixed(2)} ms per request`);
    console.log(`RSS / live heap after GC (MB) by traces done: ${rss.map((r) => `${r.done}:${r.mb}/${r.heapMb}`).join(" ")}`);
    if (rss.length >= 4) {
      const early = rss[Math.floor(rss.length / 4)];
      console.log(`growth from 25 % to 100 % of the job: RSS ${rss.at(-1)!.mb - early.mb} MB, live heap ${rss.at(-1)!.heapMb - early.heapMb} MB`);
    }
  } finally {
    observeGenerationItems(null);
    child.kill("SIGTERM");
    await disconnect();
    if (server) await dropPgDatabase(server, PG_NAME);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
