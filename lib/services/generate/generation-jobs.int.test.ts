import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getJob, waitForJob } from "@/lib/jobs/jobs";
import { stopBuiltinTeachers } from "@/lib/services/generate/builtin-teacher";
import { cancelGenerationJob, getGenerationJob, listGenerationJobs, resumeGenerationJob, startGenerationJob } from "@/lib/services/generate/generation-jobs";
import { importFiles } from "@/lib/services/import/imports";

// The web app's generation service (what /generate and /api/generation call) against this file's
// real database (SQLite, or PostgreSQL with its job queue) and the built-in teacher it starts on
// 127.0.0.1: start in the background, progress, cancel, resume with no duplicate, errors before
// anything is written.

const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
const TEMPLATE = fs.readFileSync(path.resolve("fixtures/generation/template-questions.jsonl"), "utf8");

beforeAll(async () => {
  await importFiles({ files: [SCENES], dataset: "ui-gen" });
}, 120_000);

afterAll(() => stopBuiltinTeachers());

async function until(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const counts = async () => ({ jobs: await db().job.count(), questions: await db().question.count(), traces: await db().trace.count() });

describe("generation jobs for the web app", () => {
  it("runs a job on the built-in teacher in the background: traces, counters, throughput, the latest traces", async () => {
    const started = await startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "template.jsonl", text: TEMPLATE }, teacher: { kind: "builtin", faults: "none" }, method: "direct", concurrency: 3 });
    expect(started).toMatchObject({ dataset: "ui-gen", method: "direct", teacher: "builtin", questions: 8, total: 8 });
    // on PostgreSQL the job waits on the queue ("queued") until a worker — this process's own — takes it
    expect(["queued", "running", "done"]).toContain(started.status);
    const final = await waitForJob(started.id);
    expect(final?.status ?? (await getJob(started.id)).status).toBe("done");
    const job = await getGenerationJob(started.id);
    expect(job).toMatchObject({ status: "done", done: 8, failed: 0, inFlight: 0, resumable: false, stale: false });
    expect(job.requests).toBeGreaterThan(8);
    expect(job.tokens.prompt).toBeGreaterThan(0);
    expect(job.stopReasons).toEqual({ answer: 8 });
    expect(job.throughput.points.reduce((n, p) => n + p.traces, 0)).toBe(8);
    expect(job.traces).toHaveLength(8);
    expect(job.traces.every((t) => t.externalId.startsWith(`gen-j${job.id}:`) && t.stopReason === "answer")).toBe(true);
    expect((await listGenerationJobs()).map((j) => j.id)).toContain(job.id);
    // starting the same thing again finds the same job, done: nothing new
    const again = await startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "template.jsonl", text: TEMPLATE }, teacher: { kind: "builtin", faults: "none" }, method: "direct", concurrency: 3 });
    expect(again.id).toBe(job.id);
    expect(await db().trace.count({ where: { externalId: { startsWith: `gen-j${job.id}:` } } })).toBe(8);
  });

  it("cancel stops a running job; resume finishes it with exactly one trace per question × sample", async () => {
    const started = await startGenerationJob({
      dataset: "ui-gen", fromDataset: "ui-gen", teacher: { kind: "builtin", faults: "default", latencyMs: 30 }, method: "step-level", k: 2, samples: 3, concurrency: 1,
    });
    expect(started.total).toBe(24);
    await until(async () => (await getJob(started.id)).done >= 2);
    const cancelling = await cancelGenerationJob(started.id);
    expect(["cancelling", "cancelled"]).toContain(cancelling.status);
    await waitForJob(started.id);
    const cancelled = await getGenerationJob(started.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.done).toBeLessThan(24);
    expect(cancelled.resumable).toBe(true);
    const resumed = await resumeGenerationJob(started.id);
    expect(["queued", "running", "done"]).toContain(resumed.status);
    await waitForJob(started.id);
    const done = await getGenerationJob(started.id);
    expect(done).toMatchObject({ status: "done", done: 24, failed: 0, runs: 2 });
    const traces = await db().trace.findMany({ where: { externalId: { startsWith: `gen-j${started.id}:` } }, select: { externalId: true, method: true } });
    expect(traces).toHaveLength(24);
    expect(new Set(traces.map((t) => t.externalId)).size).toBe(24);
    expect(traces.every((t) => t.method === "step-level")).toBe(true);
    await expect(resumeGenerationJob(started.id)).rejects.toMatchObject({ code: "conflict" });
  });

  it("bad input and a teacher that fails its preflight are errors, and nothing is written", async () => {
    const before = await counts();
    const bad = (await startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "mine.jsonl", text: `{"image": "CLEVR_train_000000.png", "question": "How many cubes?"}\n{"image": 3}\n` }, teacher: { kind: "builtin" } }).catch((e: unknown) => e)) as AppError;
    expect(bad).toBeInstanceOf(AppError);
    expect(bad.code).toBe("invalid_input");
    expect(bad.details).toEqual(expect.arrayContaining([expect.objectContaining({ file: "mine.jsonl", line: 2 })]));
    await expect(startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "t.jsonl", text: TEMPLATE }, teacher: { kind: "endpoint", baseUrl: "http://127.0.0.1:9/v1", model: "m" } })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("http://127.0.0.1:9/v1") });
    await expect(startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "t.jsonl", text: TEMPLATE }, teacher: { kind: "endpoint", baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKeyEnv: "sk-abc123" } })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("NAME") });
    await expect(startGenerationJob({ dataset: "ui-gen", teacher: { kind: "builtin" } })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("choose the questions") });
    await expect(startGenerationJob({ dataset: "nope", questionsFile: { name: "t.jsonl", text: TEMPLATE }, teacher: { kind: "builtin" } })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(startGenerationJob({ dataset: "ui-gen", questionsFile: { name: "t.jsonl", text: TEMPLATE }, teacher: { kind: "builtin" }, method: "greedy" })).rejects.toMatchObject({ code: "invalid_input" });
    expect(await counts()).toEqual(before);
    await expect(getGenerationJob(99999)).rejects.toMatchObject({ code: "not_found" });
  });
});
