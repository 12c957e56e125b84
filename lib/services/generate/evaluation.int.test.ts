import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { runJob } from "@/lib/jobs/jobs";
import { stopBuiltinTeachers } from "@/lib/services/generate/builtin-teacher";
import { evaluationReport, prepareEvaluation } from "@/lib/services/generate/evaluation";
import { prepareGeneration } from "@/lib/services/generate/generation";
import { importFiles } from "@/lib/services/import/imports";
import { runVerifier } from "@/lib/services/verify/verify";
import { databaseLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// Evaluating a student (Table 2) against this file's real SQLite database: the dataset's questions
// and teacher traces come from a generation job; the "student" is the built-in teacher with dense
// reasoning faults, the baseline the same teacher without faults, both over real HTTP.

const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
const QUESTIONS = path.resolve("fixtures/generation/template-questions.jsonl");

let server: TeacherServer;

beforeAll(async () => {
  await importFiles({ files: [SCENES], dataset: "ev" });
  const { job } = await prepareGeneration({ dataset: "ev", questionsFile: QUESTIONS, endpoint: { baseUrl: "", model: "" }, builtin: { faults: "default" }, method: "step-level", k: 3, sendImage: false });
  expect((await runJob(job.id)).status).toBe("done");
  await runVerifier({ dataset: "ev" });
  server = await startTeacherServer({ lookup: databaseLookup(), faults: "none" });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await stopBuiltinTeachers();
});

describe("evaluate a student", () => {
  it("reports accuracy, step completeness and tool-call accuracy per relation class, next to the teacher and a baseline", async () => {
    const job = await prepareEvaluation({ dataset: "ev", split: "all", student: { baseUrl: "builtin:dense", model: "" }, baseline: { baseUrl: server.url, model: BUILTIN_MODEL }, concurrency: 4, sendImage: false });
    expect(job.total).toBe(16);
    expect((await runJob(job.id)).status).toBe("done");
    const report = await evaluationReport(job.id);
    expect(report).toMatchObject({ dataset: "ev", split: "all", questions: 8, failed: 0 });
    expect(report.models.map((m) => m.role)).toEqual(["student", "teacher", "baseline"]);
    const [student, teacher, baseline] = report.models;
    for (const m of report.models) {
      expect(m.questions).toBeGreaterThanOrEqual(8);
      expect(m.accuracy).not.toBeNull();
      expect(m.toolCallAccuracy).not.toBeNull();
      expect(m.stepCompleteness).not.toBeNull();
      expect(Object.keys(m.byClass).length).toBeGreaterThan(0);
      for (const c of Object.values(m.byClass)) expect(c.questions).toBeGreaterThan(0);
    }
    // the fault-free baseline answers everything and calls every tool right; the faulty student does worse
    expect(baseline.accuracy).toBe(1);
    expect(baseline.toolCallAccuracy).toBe(1);
    expect(student.validRatio!).toBeLessThan(baseline.validRatio!);
    expect(teacher.model).toBe(BUILTIN_MODEL);
    // the same classes are reported for every model, and the split's questions are counted once per model
    expect(Object.keys(student.byClass).sort()).toEqual(Object.keys(baseline.byClass).sort());
  }, 300_000);

  it("the test split is the export's split of the images; a split with no questions, a wrong model or a dead endpoint is invalid input and writes no job", async () => {
    const jobs = await db().job.count();
    await expect(prepareEvaluation({ dataset: "ev", split: "test", ratios: "1,0,0", student: { baseUrl: server.url, model: BUILTIN_MODEL } })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("no questions") });
    await expect(prepareEvaluation({ dataset: "ev", split: "all", student: { baseUrl: server.url, model: "no-such-model" } })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("no-such-model") });
    await expect(prepareEvaluation({ dataset: "ev", split: "sideways", student: { baseUrl: server.url, model: BUILTIN_MODEL } })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(prepareEvaluation({ dataset: "nope", split: "all", student: { baseUrl: server.url, model: BUILTIN_MODEL } })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(prepareEvaluation({ dataset: "ev", split: "all", ratios: "0.5,0.5", student: { baseUrl: server.url, model: BUILTIN_MODEL } })).rejects.toMatchObject({ code: "invalid_input" });
    expect(await db().job.count()).toBe(jobs);
    // with everything in test, the test split is every question
    const all = await prepareEvaluation({ dataset: "ev", split: "test", ratios: "0,0,1", student: { baseUrl: server.url, model: BUILTIN_MODEL }, limit: 2 });
    expect(all.total).toBe(2);
  });

  it("the CLI prints the report as JSON and exits 0; a wrong model exits 2", async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/cli/main.ts"), ...args], { env: { ...process.env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
      });
    const ok = await cli(["evaluate", "--dataset", "ev", "--split", "all", "--endpoint", server.url, "--model", BUILTIN_MODEL, "--limit", "3", "--no-image", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report).toMatchObject({ dataset: "ev", split: "all", questions: 3, failed: 0 });
    expect(report.models[0]).toMatchObject({ role: "student", model: BUILTIN_MODEL, questions: 3 });
    expect(Object.keys(report.models[0])).toEqual(expect.arrayContaining(["accuracy", "stepCompleteness", "toolCallAccuracy", "byClass"]));
    const bad = await cli(["evaluate", "--dataset", "ev", "--split", "all", "--endpoint", server.url, "--model", "nope", "--json"]);
    expect(bad.code).toBe(2);
  }, 300_000);
});
