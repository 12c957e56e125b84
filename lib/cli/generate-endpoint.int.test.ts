import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { databaseLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// `stepwise generate` against the built-in teacher over real HTTP (the CLI in a child process,
// the server in this one, both on this test file's SQLite database).

const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
const CLEVR_QUESTIONS = path.resolve("fixtures/generation/clevr-questions-10.jsonl");
const TEMPLATE_QUESTIONS = path.resolve("fixtures/generation/template-questions.jsonl");

const cliArgs = (...args: string[]) => ["--import", "tsx", path.resolve("lib/cli/main.ts"), ...args];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON output, read by the assertions
type CliJson = any;

// asynchronous on purpose: the teacher server runs in this process and must keep answering
async function stepwise(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; json: () => CliJson }>((resolve) => {
    const child = spawn(process.execPath, cliArgs(...args), { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("exit", (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

let clean: TeacherServer;
let slow: TeacherServer;
let keyed: TeacherServer;
let misbehaving: TeacherServer;

beforeAll(async () => {
  const imported = await stepwise(["import", SCENES, "--dataset", "gen", "--json"]);
  expect(imported.code, imported.stderr).toBe(0);
  await stepwise(["import", SCENES, "--dataset", "gen2", "--json"]);
  const lookup = databaseLookup();
  clean = await startTeacherServer({ lookup, faults: "default" });
  slow = await startTeacherServer({ lookup, faults: "none", latencyMs: 40 });
  keyed = await startTeacherServer({ lookup, faults: "none", apiKey: "right-key" });
  misbehaving = await startTeacherServer({ lookup, faults: "flaky", misbehave: true, misbehaveRate: 0.5, retryAfterSeconds: 0.01 });
});

afterAll(async () => {
  for (const server of [clean, slow, keyed, misbehaving]) await server?.close();
});

const base = (server: TeacherServer, ...more: string[]) => ["generate", "--dataset", "gen", "--endpoint", server.url, "--model", BUILTIN_MODEL, "--json", ...more];

// every test spawns the CLI (tsx start-up per run): generous limits on a loaded machine
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

describe("stepwise generate against an endpoint", () => {
  it.each([["direct"], ["final-answer"], ["step-level"], ["best-of-n"]])("method %s: one trace per question, the summary contract, traces in the dataset", async (method) => {
    const run = await stepwise(base(clean, "--questions", TEMPLATE_QUESTIONS, "--method", method, "--k", "3", "--concurrency", "4"));
    expect(run.code, run.stderr).toBe(0);
    const summary = run.json();
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(["job", "dataset", "questions", "traces", "skipped", "failed", "requests", "retries", "parseFallbacks", "stopReasons", "tokens", "costUsd", "seconds"]));
    expect(summary).toMatchObject({ dataset: "gen", questions: 8, traces: 8, skipped: 0, failed: 0 });
    expect(summary.requests).toBeGreaterThan(8);
    expect(summary.tokens.prompt).toBeGreaterThan(0);
    expect(run.stderr).toContain(`[job ${summary.job}]`);
    const traces = await db().trace.findMany({ where: { dataset: { name: "gen" }, method, externalId: { startsWith: `gen-j${summary.job}:` } }, select: { externalId: true, teacherModel: true, sceneId: true, questionId: true, raw: true } });
    expect(traces).toHaveLength(8);
    for (const t of traces) {
      expect(t.teacherModel).toBe(BUILTIN_MODEL);
      expect(t.sceneId).not.toBeNull();
      expect(t.questionId).not.toBeNull();
      expect(JSON.parse(t.raw).meta.stopReason).toBeDefined();
    }
    // the same command again: nothing new, everything skipped
    const again = await stepwise(base(clean, "--questions", TEMPLATE_QUESTIONS, "--method", method, "--k", "3", "--concurrency", "4"));
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ job: summary.job, traces: 0, skipped: 8 });
  });

  it("CLEVR question files and --samples: one trace per question × sample; every tool result passes result.reexec", async () => {
    const run = await stepwise(["generate", "--dataset", "gen2", "--questions", CLEVR_QUESTIONS, "--endpoint", misbehaving.url, "--model", BUILTIN_MODEL, "--samples", "2", "--concurrency", "8", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = run.json();
    expect(summary).toMatchObject({ questions: 10, traces: 20, failed: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    expect(Object.values(summary.parseFallbacks as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const verify = await stepwise(["verify", "--dataset", "gen2", "--json"]);
    expect(verify.code, verify.stderr).toBe(0);
    const reexec = await db().verdict.groupBy({ by: ["outcome"], where: { rule: "result.reexec", step: { trace: { dataset: { name: "gen2" } } } }, _count: true });
    const byOutcome = Object.fromEntries(reexec.map((r) => [r.outcome, r._count]));
    expect(byOutcome.pass).toBeGreaterThan(0);
    expect(byOutcome.fail ?? 0).toBe(0);
  });

  it("a wrong key, a wrong model or a dead endpoint exits 2 before anything is written", async () => {
    const counts = async () => ({ jobs: await db().job.count(), questions: await db().question.count(), traces: await db().trace.count() });
    const before = await counts();
    const wrongKey = await stepwise(["generate", "--dataset", "gen", "--questions", TEMPLATE_QUESTIONS, "--endpoint", keyed.url, "--model", BUILTIN_MODEL, "--api-key-env", "GEN_TEST_KEY", "--json"], { GEN_TEST_KEY: "wrong-key" });
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.json().error.message).toContain("GEN_TEST_KEY");
    expect(wrongKey.stdout + wrongKey.stderr).not.toContain("wrong-key");
    const wrongModel = await stepwise(["generate", "--dataset", "gen", "--questions", TEMPLATE_QUESTIONS, "--endpoint", clean.url, "--model", "no-such-model", "--json"]);
    expect(wrongModel.code).toBe(2);
    expect(wrongModel.json().error.message).toMatch(/no-such-model/);
    const dead = await stepwise(["generate", "--dataset", "gen", "--questions", TEMPLATE_QUESTIONS, "--endpoint", "http://127.0.0.1:9/v1", "--model", BUILTIN_MODEL, "--json"]);
    expect(dead.code).toBe(2);
    expect(await counts()).toEqual(before);
    // and the right key works
    const ok = await stepwise(["generate", "--dataset", "gen", "--questions", TEMPLATE_QUESTIONS, "--endpoint", keyed.url, "--model", BUILTIN_MODEL, "--api-key-env", "GEN_TEST_KEY", "--limit", "2", "--json"], { GEN_TEST_KEY: "right-key" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json().traces).toBe(2);
  });

  it("bad question files and unknown scenes exit 2 naming file, line and field", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gen-q-"));
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, `{"image": "CLEVR_train_000000.png", "question": "How many cubes?"}\n{"image": "CLEVR_train_000001.png", "qeustion": "typo"}\nnot json\n`);
    const run = await stepwise(base(clean, "--questions", bad));
    expect(run.code).toBe(2);
    const details = run.json().error.details;
    expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ file: bad, line: 2, path: "$" }), expect.objectContaining({ file: bad, line: 3 })]));
    const unknown = path.join(dir, "unknown.jsonl");
    fs.writeFileSync(unknown, `{"image": "CLEVR_train_000000.png", "question": "How many cubes?"}\n{"image": "nowhere.png", "question": "How many cubes?"}\n`);
    const missing = await stepwise(base(clean, "--questions", unknown));
    expect(missing.code).toBe(2);
    expect(missing.json().error.details[0]).toMatchObject({ file: unknown, line: 2, path: "$.image" });
    const empty = path.join(dir, "empty.jsonl");
    fs.writeFileSync(empty, "\n");
    expect((await stepwise(base(clean, "--questions", empty))).code).toBe(2);
    expect((await stepwise(["generate", "--dataset", "nope", "--questions", TEMPLATE_QUESTIONS, "--endpoint", clean.url, "--model", BUILTIN_MODEL, "--json"])).code).toBe(2);
  });

  it("--from-dataset uses the questions a dataset holds; --resume JOB resumes by id", async () => {
    const run = await stepwise(base(clean, "--from-dataset", "gen2", "--limit", "3"));
    expect(run.code, run.stderr).toBe(0);
    const summary = run.json();
    expect(summary).toMatchObject({ questions: 3, traces: 3 });
    const resumed = await stepwise(["generate", "--resume", String(summary.job), "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ job: summary.job, traces: 0, skipped: 3 });
    expect((await stepwise(["generate", "--resume", "99999", "--json"])).code).toBe(2);
  });
  it("a job killed with SIGKILL and run again yields exactly one trace per question × sample", async () => {
    const args = cliArgs(...base(slow, "--questions", TEMPLATE_QUESTIONS, "--samples", "3", "--concurrency", "2", "--method", "direct"));
    const jobId = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env } });
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        const match = /\[job (\d+)\] (\d+)\/24 traces/.exec(stderr.split("\n").filter(Boolean).at(-1) ?? "");
        if (match && Number(match[2]) >= 3 && !child.killed) {
          child.kill("SIGKILL");
          resolve(Number(match[1]));
        }
      });
      child.on("exit", (code, signal) => {
        if (signal !== "SIGKILL") reject(new Error(`exited ${code} before the kill: ${stderr}`));
      });
    });
    const orphan = await db().job.findUnique({ where: { id: jobId } });
    expect(orphan?.status).toBe("running");
    expect(orphan!.done).toBeGreaterThanOrEqual(3);
    expect(orphan!.done).toBeLessThan(24);
    const rerun = await stepwise(base(slow, "--questions", TEMPLATE_QUESTIONS, "--samples", "3", "--concurrency", "2", "--method", "direct"));
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = rerun.json();
    expect(summary.job).toBe(jobId);
    expect(summary.skipped).toBe(orphan!.done);
    expect(summary.skipped + summary.traces).toBe(24);
    const traces = await db().trace.findMany({ where: { externalId: { startsWith: `gen-j${jobId}:` } }, select: { externalId: true } });
    expect(traces).toHaveLength(24);
    expect(new Set(traces.map((t) => t.externalId)).size).toBe(24);
    const items = await db().jobItem.findMany({ where: { jobId } });
    expect(items.filter((i) => i.status === "done")).toHaveLength(24);
  });

});
