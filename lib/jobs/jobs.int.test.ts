import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { fixtureKind } from "@/lib/jobs/job-fixture";
import { cancelJob, createJob, defineJobKind, findStaleJobs, getJob, isResumable, isStale, launchJob, runJob, waitForJob } from "@/lib/jobs/jobs";

// The job machinery against this file's real SQLite database, and a real child process killed
// with SIGKILL mid-job.

const rowsFor = async () =>
  (await db().auditLog.findMany({ where: { entity: "job-fixture" }, select: { entityId: true } })).map((r) => r.entityId as string);

async function clearRows() {
  await db().auditLog.deleteMany({ where: { entity: "job-fixture" } });
}

/** Starts the fixture script (tsx as a loader, so the pid killed is the pid that owns the job); resolves once it printed `doneLines` "done" lines, then SIGKILLs it. */
function runChildAndKill(args: string[], doneLines: number): Promise<{ jobId: number; done: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/jobs/job-fixture.ts"), ...args], { env: { ...process.env } });
    let out = "";
    let jobId = 0;
    const done: string[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const lines = out.split("\n");
      out = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("job ")) jobId = Number(line.slice(4));
        if (line.startsWith("done ")) done.push(line.slice(5));
      }
      if (done.length >= doneLines && !child.killed) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve({ jobId, done });
      else reject(new Error(`child exited ${code} before it was killed: ${stderr}`));
    });
  });
}

describe("jobs", () => {
  it("runs a job's items once each, keeps counters and progress, and a re-run skips everything", async () => {
    await clearRows();
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 12, delayMs: 1, concurrency: 4 }, title: "twelve" });
    expect(job.status).toBe("queued");
    const finished = await runJob(job.id, { heartbeatMs: 20 });
    expect(finished).toMatchObject({ status: "done", total: 12, done: 12, failed: 0, ownerPid: process.pid, ownerHost: os.hostname(), runs: 1 });
    expect(finished.counters.work).toBe(12);
    expect((await rowsFor()).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `item:${i}`).sort());
    const items = await db().jobItem.findMany({ where: { jobId: job.id } });
    expect(items.every((i) => i.status === "done" && i.attempts === 1 && i.result !== null)).toBe(true);

    // Done is final: running it again changes nothing.
    const again = await runJob(job.id);
    expect(again.runs).toBe(1);
    expect(await rowsFor()).toHaveLength(12);
  });

  it("a failing item is recorded with its error, the job finishes, and a resume retries only that item", async () => {
    await clearRows();
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 5, delayMs: 1, concurrency: 2, failKeys: ["item:3"] } });
    const finished = await runJob(job.id);
    expect(finished).toMatchObject({ status: "done", done: 4, failed: 1 });
    const failedItem = await db().jobItem.findUnique({ where: { jobId_key: { jobId: job.id, key: "item:3" } } });
    expect(failedItem).toMatchObject({ status: "failed", attempts: 1, error: "item:3 failed on purpose" });

    // A done job is not resumable; flip it to failed as a user retrying would, with the fault fixed.
    await db().job.update({ where: { id: job.id }, data: { status: "failed", config: { count: 5, delayMs: 1, concurrency: 2 } } });
    const resumed = await runJob(job.id);
    expect(resumed).toMatchObject({ status: "done", done: 5, failed: 0, runs: 2 });
    const retried = await db().jobItem.findUnique({ where: { jobId_key: { jobId: job.id, key: "item:3" } } });
    expect(retried).toMatchObject({ status: "done", attempts: 2, error: null });
    expect((await rowsFor()).sort()).toEqual(["item:0", "item:1", "item:2", "item:3", "item:4"]);
  });

  it("cancel stops a running job between items; resume finishes it without redoing anything", async () => {
    await clearRows();
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 40, delayMs: 15, concurrency: 2 } });
    const launched = await launchJob(job.id, { heartbeatMs: 20 });
    expect(launched.status).toBe("running");
    while ((await getJob(job.id)).done < 4) await new Promise((r) => setTimeout(r, 10));
    const cancelling = await cancelJob(job.id);
    expect(["cancelling", "cancelled"]).toContain(cancelling.status);
    const stopped = await waitForJob(job.id);
    expect(stopped?.status).toBe("cancelled");
    expect(stopped!.done).toBeLessThan(40);
    expect(isResumable(stopped!)).toBe(true);
    expect(await rowsFor()).toHaveLength(stopped!.done);

    const resumed = await runJob(job.id);
    expect(resumed).toMatchObject({ status: "done", done: 40, runs: 2 });
    const rows = await rowsFor();
    expect(rows).toHaveLength(40);
    expect(new Set(rows).size).toBe(40);
  });

  it("cancel from another process's view: a cancelling row is seen by the owner's heartbeat", async () => {
    await clearRows();
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 30, delayMs: 15, concurrency: 1 } });
    const done = runJob(job.id, { heartbeatMs: 20 });
    while ((await getJob(job.id)).done < 2) await new Promise((r) => setTimeout(r, 10));
    // What `cancelJob` in another process does: only the row changes (no in-memory abort here).
    await db().job.update({ where: { id: job.id }, data: { status: "cancelling" } });
    const stopped = await done;
    expect(stopped.status).toBe("cancelled");
    expect(stopped.done).toBeLessThan(30);
  });

  it("a job whose owner was SIGKILLed is stale and resumable; the resume yields exactly one product per item", async () => {
    await clearRows();
    const config = JSON.stringify({ count: 30, delayMs: 20, concurrency: 3 });
    const { jobId, done } = await runChildAndKill(["create", config], 5);
    expect(jobId).toBeGreaterThan(0);
    const orphan = await getJob(jobId);
    expect(orphan.status).toBe("running");
    expect(orphan.ownerPid).not.toBe(process.pid);
    expect(orphan.done).toBeGreaterThanOrEqual(done.length);
    expect(orphan.done).toBeLessThan(30);
    expect(isStale(orphan)).toBe(true);
    expect((await findStaleJobs()).map((j) => j.id)).toContain(jobId);
    // Items the killed owner left half-done are still "running"; they get redone, not duplicated.
    const resumed = await runJob(jobId);
    expect(resumed).toMatchObject({ status: "done", done: 30, failed: 0, runs: 2 });
    const rows = await rowsFor();
    expect(rows).toHaveLength(30);
    expect(new Set(rows).size).toBe(30);
  });

  it("a live owner's job is not stale: resuming it is a conflict; an old heartbeat from another host is stale", async () => {
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 1, delayMs: 1, concurrency: 1 } });
    // Owned by this test runner's parent (alive) with a fresh heartbeat.
    await db().job.update({ where: { id: job.id }, data: { status: "running", ownerPid: process.ppid, ownerHost: os.hostname(), heartbeatAt: new Date() } });
    const live = await getJob(job.id);
    expect(isStale(live)).toBe(false);
    await expect(runJob(job.id)).rejects.toThrow(AppError);
    await expect(runJob(job.id)).rejects.toThrow(/is running in process/);
    // Another machine: only the heartbeat's age tells.
    await db().job.update({ where: { id: job.id }, data: { ownerHost: "elsewhere", heartbeatAt: new Date(Date.now() - 60_000) } });
    expect(isStale(await getJob(job.id))).toBe(true);
    expect(isStale(await getJob(job.id), { staleMs: 120_000 })).toBe(false);
  });

  it("a kind's run that throws marks the job failed with the message; unknown kinds are refused", async () => {
    defineJobKind({ kind: "test.throws", run: async () => { throw new Error("boom"); } });
    const job = await createJob({ kind: "test.throws", config: {} });
    const finished = await runJob(job.id);
    expect(finished).toMatchObject({ status: "failed", error: "boom" });
    expect(isResumable(finished)).toBe(true);
    await expect(createJob({ kind: "test.nope", config: {} })).rejects.toThrow(/no job kind "test.nope"/);
  });
});
