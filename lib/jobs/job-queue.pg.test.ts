import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { failingFixtureKind, fixtureKind } from "@/lib/jobs/job-fixture";
import { createJob, getJob, JOB_QUEUE, launchJob } from "@/lib/jobs/jobs";
import { closeQueue, jobCounts } from "@/lib/jobs/queue";
import { dataDirId, dataDirQueue } from "@/lib/jobs/data-dir";
import { exportArchive } from "@/lib/services/export/exports";
import { EXPORT_QUEUE, exportDir, exportsIdle, startExport } from "@/lib/services/export/export-jobs";
import { getExport } from "@/lib/services/export/exports";
import { writeProgram } from "@/lib/db/sql";
import { generateProgram } from "@/fixtures/export/generate";
import type { JobRow } from "@/lib/jobs/types";

// Generic jobs and exports on the PostgreSQL job queue (docs/design.md §14): a launched job is
// enqueued, not run by the launching process (STEPWISE_QUEUE_LOCAL_WORKER=0 here); a separate `work` process takes it,
// is SIGKILLed half-way, and a second worker resumes it (done items skipped) — every item's product
// exactly once — or, for a kind that fails on a crash, marks it failed. Progress is read from the
// Job row while it runs.

process.env.STEPWISE_QUEUE_LOCAL_WORKER = "0";

const workers: ChildProcessWithoutNullStreams[] = [];

interface Worker {
  child: ChildProcessWithoutNullStreams;
  done: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the worker printed `n` "done" lines. */
  waitDone(n: number): Promise<void>;
}

/** A worker process; `env` overrides this process's (another STEPWISE_DATA_DIR: a worker on another machine). */
function startWorker(env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/jobs/job-fixture.ts"), "work"], { env: { ...process.env, ...env } });
  workers.push(child);
  const done: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let out = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split("\n");
    out = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("done ")) done.push(line.slice(5));
    for (const w of waiters.filter((w) => done.length >= w.n)) w.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    done,
    exited,
    waitDone: (n) =>
      new Promise<void>((resolve, reject) => {
        if (done.length >= n) return resolve();
        waiters.push({ n, resolve });
        void exited.then(({ code }) => reject(new Error(`worker exited ${code} after ${done.length} items: ${stderr}`)));
      }),
  };
}

async function until(id: number, test: (job: JobRow) => boolean, seconds = 180): Promise<JobRow> {
  for (let i = 0; i < seconds * 5; i++) {
    const job = await getJob(id);
    if (test(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return getJob(id);
}

const products = async () => (await db().auditLog.findMany({ where: { entity: "job-fixture" }, select: { entityId: true } })).map((r) => r.entityId as string);

afterAll(async () => {
  for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await closeQueue();
});

describe("generic jobs on the PostgreSQL job queue", () => {
  it("a launched job is queued and run by a worker process; a killed worker's job is resumed by another, every item exactly once", async () => {
    await db().auditLog.deleteMany({ where: { entity: "job-fixture" } });
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 30, delayMs: 120, concurrency: 2 }, title: "queued" });
    const launched = await launchJob(job.id);
    // enqueued, not run here
    expect(launched.status).toBe("queued");
    expect((await jobCounts(dataDirQueue(JOB_QUEUE))).waiting).toBeGreaterThanOrEqual(1);
    expect((await getJob(job.id)).status).toBe("queued");

    const first = startWorker();
    await first.waitDone(8);
    first.child.kill("SIGKILL");
    await first.exited;
    // progress is on the row: some items done, not all, owned by the dead worker
    const halfway = await getJob(job.id);
    expect(halfway.status).toBe("running");
    expect(halfway.ownerPid).toBe(first.child.pid);
    expect(halfway.done).toBeGreaterThanOrEqual(8);
    expect(halfway.done).toBeLessThan(30);
    expect(halfway.total).toBe(30);

    const second = startWorker();
    const finished = await until(job.id, (j) => j.status === "done");
    second.child.kill("SIGTERM");
    expect(finished).toMatchObject({ status: "done", done: 30, failed: 0, total: 30, ownerPid: second.child.pid });
    expect(finished.runs).toBe(2);
    const rows = await products();
    expect(rows).toHaveLength(30);
    expect(new Set(rows).size).toBe(30);
    // the second worker did only what the first had not committed
    expect(second.done.length).toBe(30 - halfway.done);
    await second.exited;
  }, 300_000);

  it("a job of a kind that fails on a crash is marked failed when its worker dies, not resumed", async () => {
    const job = await createJob({ kind: failingFixtureKind.kind, config: { count: 40, delayMs: 150, concurrency: 1 } });
    await launchJob(job.id);
    const first = startWorker();
    await first.waitDone(3);
    first.child.kill("SIGKILL");
    await first.exited;
    const second = startWorker();
    const failed = await until(job.id, (j) => j.status === "failed");
    second.child.kill("SIGTERM");
    await second.exited;
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/worker running this job stopped/);
    expect(failed.done).toBeLessThan(40);
    expect(second.done).toHaveLength(0);
  }, 300_000);

  it("a started export is queued and written by a worker process, with its progress and owner on the row", async () => {
    await writeProgram(() => generateProgram({ dataset: "queued-export", traces: 120, tracesPerImage: 3 }));
    const { id } = await startExport({ datasets: ["queued-export"], format: "trl-sft", images: "none", shardRows: 20 });
    expect((await getExport(id)).status).toBe("queued");
    expect((await jobCounts(dataDirQueue(EXPORT_QUEUE))).waiting).toBeGreaterThanOrEqual(1);
    const worker = startWorker();
    await exportsIdle();
    worker.child.kill("SIGTERM");
    await worker.exited;
    const done = await getExport(id);
    expect(done).toMatchObject({ status: "done", progress: 1, error: null });
    expect(done.rows).toBeGreaterThan(0);
    expect(done.files.some((f) => f.path.startsWith("data/"))).toBe(true);
    expect(fs.existsSync(path.join(exportDir(id), "manifest.json"))).toBe(true);
    const row = await db().export.findUniqueOrThrow({ where: { id } });
    expect(row.ownerPid).toBe(worker.child.pid);
  }, 300_000);

  it("work that touches files waits for a worker on its data dir: a worker on another leaves it, one on the same dir takes it", async () => {
    await writeProgram(() => generateProgram({ dataset: "data-dir-export", traces: 30, tracesPerImage: 3 }));
    const { id } = await startExport({ datasets: ["data-dir-export"], format: "trl-sft", images: "none" });
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 4, delayMs: 10, concurrency: 1 } });
    await launchJob(job.id);
    expect((await db().export.findUniqueOrThrow({ where: { id } })).dataDir).toBe(dataDirId());
    expect((await db().job.findUniqueOrThrow({ where: { id: job.id } })).dataDir).toBe(dataDirId());

    // a worker whose STEPWISE_DATA_DIR is another directory (another machine's disk) polls its own queues
    const elsewhere = fs.mkdtempSync(path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "elsewhere-"));
    const away = startWorker({ STEPWISE_DATA_DIR: elsewhere });
    await new Promise((resolve) => setTimeout(resolve, 4_000)); // eight of its polls
    expect(await getExport(id)).toMatchObject({ status: "queued", stage: "Queued for a worker on this data dir" });
    expect((await getJob(job.id)).status).toBe("queued");
    expect(away.done).toHaveLength(0);
    expect(fs.existsSync(path.join(elsewhere, "exports"))).toBe(false);
    expect(fs.readFileSync(path.join(elsewhere, ".stepwise-data-id"), "utf8").trim()).not.toBe(dataDirId());

    const home = startWorker();
    await exportsIdle();
    const ran = await until(job.id, (j) => j.status === "done");
    for (const w of [away, home]) w.child.kill("SIGTERM");
    await Promise.all([away.exited, home.exited]);
    expect(ran.status).toBe("done");
    expect(home.done).toHaveLength(4);
    expect(away.done).toHaveLength(0);
    const row = await db().export.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "done", ownerPid: home.child.pid });
    expect(fs.existsSync(path.join(exportDir(id), "manifest.json"))).toBe(true);

    // an export row of another data dir (written before this, or the directory swapped): the
    // download says where it is instead of "gone"
    fs.renameSync(exportDir(id), `${exportDir(id)}-moved`);
    await db().export.update({ where: { id }, data: { dataDir: "0".repeat(32) } });
    await expect(exportArchive(id)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(new RegExp(`^export ${id} was written into another data dir \\(id 0{32}\\)`)) });
  }, 300_000);
});
