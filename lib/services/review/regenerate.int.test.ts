import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { waitForJob } from "@/lib/jobs/jobs";
import { stopBuiltinTeachers } from "@/lib/services/generate/builtin-teacher";
import { startGenerationJob } from "@/lib/services/generate/generation-jobs";
import { importFiles } from "@/lib/services/import/imports";
import { conversationOf, cutIndex, listContinuations, regenerateFrom, restoreBranch } from "@/lib/services/review/regenerate";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { runVerifier } from "@/lib/services/verify/verify";
import { databaseLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// Re-generate from here against real teacher-serve instances on 127.0.0.1 (the built-in one a
// generation job starts, and one started here) over this file's SQLite database: the cut, the
// teacher's continuation, the archived branch with its labels, restore, conflicts, and nothing
// written when the teacher fails.

const SCENES = path.resolve("fixtures/generation/clevr-scenes-small.json");
const TEMPLATE = fs.readFileSync(path.resolve("fixtures/generation/template-questions.jsonl"), "utf8");
let teacher: TeacherServer;
let generated: number[] = [];

beforeAll(async () => {
  await importFiles({ files: [SCENES], dataset: "regen" });
  await importFiles({ files: [SCENES], dataset: "regen-imported" });
  const job = await startGenerationJob({ dataset: "regen", questionsFile: { name: "template.jsonl", text: TEMPLATE }, teacher: { kind: "builtin", faults: "none" }, method: "direct", concurrency: 2 });
  await waitForJob(job.id);
  await runVerifier({ dataset: "regen" });
  generated = (await db().trace.findMany({ where: { dataset: { name: "regen" } }, orderBy: { id: "asc" }, select: { id: true } })).map((t) => t.id);
  teacher = await startTeacherServer({ lookup: databaseLookup(), faults: "default" });
}, 240_000);

afterAll(async () => {
  await teacher?.close();
  await stopBuiltinTeachers();
});

const stepsOf = (traceId: number) => db().step.findMany({ where: { traceId }, orderBy: { index: "asc" }, select: { id: true, index: true, kind: true, text: true, tool: true, callId: true, args: true, result: true } });
const shape = (steps: Awaited<ReturnType<typeof stepsOf>>) => steps.map(({ index, kind, text, tool, callId, args, result }) => ({ index, kind, text, tool, callId, args, result }));

/** A generated trace with at least two tool calls before its answer. */
async function longTrace(): Promise<{ id: number; secondCall: number }> {
  for (const id of generated) {
    const calls = (await stepsOf(id)).filter((s) => s.kind === "tool_call");
    if (calls.length >= 2) return { id, secondCall: calls[1].index };
  }
  throw new Error("no generated trace with two tool calls");
}

describe("re-generate from here", () => {
  it("the configured teacher is the generation job's; the cut keeps a call's result; the conversation has one assistant message per turn", async () => {
    const { id, secondCall } = await longTrace();
    const info = await listContinuations(id);
    expect(info.teacher).toMatchObject({ available: true });
    expect(info.teacher.label).toContain("built-in teacher");
    const steps = await stepsOf(id);
    expect(cutIndex(steps, secondCall)).toBe(secondCall + 1);
    const { messages } = conversationOf(steps.filter((s) => s.index <= secondCall + 1));
    const assistants = messages.filter((m) => m.role === "assistant");
    expect(assistants).toHaveLength(2);
    expect(messages.filter((m) => m.role === "tool")).toHaveLength(2);
    const answer = steps.find((s) => s.kind === "answer")!;
    expect(() => cutIndex(steps, answer.index)).toThrow(/nothing left/);
    expect(() => cutIndex(steps, 999)).toThrow(/no step 999/);
    // a trace that stopped without an answer can be continued from its last step
    const unfinished = steps.filter((s) => s.index < answer.index);
    expect(cutIndex(unfinished, unfinished[unfinished.length - 1].index)).toBe(unfinished[unfinished.length - 1].index);
  });

  it("continues with the configured teacher over HTTP, archives the old continuation with its labels, re-verifies, and restores it", async () => {
    const { id, secondCall } = await longTrace();
    const before = await stepsOf(id);
    const cut = secondCall + 1;
    const later = before.find((s) => s.index > cut)!;
    const trace0 = await db().trace.findUniqueOrThrow({ where: { id } });
    await recordStepLabel(later.id, { label: "reject", expectedVersion: 1, comment: "wrong turn" } as Parameters<typeof recordStepLabel>[1]);
    const version = (await db().trace.findUniqueOrThrow({ where: { id } })).version;

    const result = await regenerateFrom(id, { afterStep: secondCall, expectedVersion: version, teacher: { kind: "configured" }, seed: 7 });
    expect(result).toMatchObject({ traceId: id, afterIndex: cut, removed: before.length - cut - 1, stopReason: "answer" });
    expect(result.added).toBeGreaterThan(0);
    const after = await stepsOf(id);
    // the kept prefix is untouched (same rows), the rest is new
    expect(after.slice(0, cut + 1)).toEqual(before.slice(0, cut + 1));
    expect(after.length).toBe(cut + 1 + result.added);
    expect(after.slice(cut + 1).every((s) => !before.some((b) => b.id === s.id))).toBe(true);
    const trace1 = await db().trace.findUniqueOrThrow({ where: { id } });
    expect(trace1.stepCount).toBe(after.length);
    expect(trace1.version).toBe(version + 1);
    expect(trace1.finalAnswer).toBe(result.finalAnswer);
    // re-verified in the latest run: verdicts on the new steps, none left on deleted ones
    const verdictSteps = new Set((await db().verdict.findMany({ where: { traceId: id, runId: trace1.runId! }, select: { stepId: true } })).map((v) => v.stepId));
    expect(after.slice(cut + 1).some((s) => verdictSteps.has(s.id))).toBe(true);
    expect([...verdictSteps].every((stepId) => after.some((s) => s.id === stepId))).toBe(true);

    // the old continuation is a branch, with the label it carried
    const info = await listContinuations(id);
    const branch = info.branches.find((b) => b.id === result.branch)!;
    expect(branch).toMatchObject({ afterIndex: cut, reason: "regenerate", prefixMatches: true, finalAnswer: trace0.finalAnswer });
    expect(branch.teacher).toContain("seed 7");
    expect(branch.steps.map((s) => ({ index: s.index, kind: s.kind, text: s.text, tool: s.tool, callId: s.callId, args: s.args, result: s.result }))).toEqual(shape(before).slice(cut + 1));
    expect(branch.steps.find((s) => s.index === later.index)!.labels).toMatchObject([{ label: "reject", comment: "wrong turn" }]);

    // a stale version is a conflict and changes nothing
    await expect(regenerateFrom(id, { afterStep: secondCall, expectedVersion: version, teacher: { kind: "configured" } })).rejects.toMatchObject({ code: "conflict" });
    expect(await stepsOf(id)).toEqual(after);

    // restore: the original steps and label are back, the regenerated ones become a branch
    const restored = await restoreBranch(id, branch.id, { expectedVersion: trace1.version });
    expect(restored.added).toBe(branch.steps.length);
    expect(shape(await stepsOf(id))).toEqual(shape(before));
    const back = (await stepsOf(id)).find((s) => s.index === later.index)!;
    expect(await db().review.findFirst({ where: { stepId: back.id, current: true, source: "human" } })).toMatchObject({ label: "reject", comment: "wrong turn" });
    const trace2 = await db().trace.findUniqueOrThrow({ where: { id } });
    expect(trace2.finalAnswer).toBe(trace0.finalAnswer);
    expect(trace2.labelState).not.toBe("unlabeled");
    const now = await listContinuations(id);
    expect(now.branches.map((b) => b.id)).not.toContain(branch.id);
    expect(now.branches[0]).toMatchObject({ id: restored.branch, reason: "restore", afterIndex: cut });
    expect(now.branches[0].steps.length).toBe(result.added);
  });

  it("a chosen endpoint continues a trace no teacher is configured for; without one the API says why", async () => {
    const trace = await db().trace.findFirstOrThrow({ where: { dataset: { name: "regen" } }, orderBy: { id: "desc" } });
    // copy a generated trace's steps into a dataset no generation job wrote to (as an import would)
    const steps = await stepsOf(trace.id);
    const copy = await db().trace.create({
      data: {
        dataset: { connect: { name: "regen-imported" } }, externalId: "imported-1", question: trace.question, answer: trace.answer, finalAnswer: trace.finalAnswer, format: "canonical", contentHash: "x", raw: "{}", stepCount: steps.length,
        image: trace.imageId ? { connect: { id: (await db().image.findFirstOrThrow({ where: { dataset: { name: "regen-imported" }, name: (await db().image.findUniqueOrThrow({ where: { id: trace.imageId } })).name } })).id } } : undefined,
        scene: { connect: { id: (await db().scene.findFirstOrThrow({ where: { dataset: { name: "regen-imported" }, name: (await db().scene.findUniqueOrThrow({ where: { id: trace.sceneId! } })).name } })).id } },
        steps: { create: steps.map(({ index, kind, text, tool, callId, args, result }) => ({ index, kind, text, tool, callId, args: args ?? undefined, result: result ?? undefined })) },
      },
    });
    const info = await listContinuations(copy.id);
    expect(info.teacher).toMatchObject({ available: false, job: null });
    expect(info.teacher.reason).toMatch(/no teacher is configured for dataset "regen-imported"/);
    await expect(regenerateFrom(copy.id, { afterStep: 0, expectedVersion: 1 })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringMatching(/no teacher is configured/) });

    const result = await regenerateFrom(copy.id, { afterStep: 0, expectedVersion: 1, teacher: { kind: "endpoint", baseUrl: teacher.url, model: BUILTIN_MODEL }, seed: 3 });
    expect(result.added).toBeGreaterThan(0);
    expect(result.teacher).toContain(teacher.url);
    expect(teacher.stats.completions).toBeGreaterThan(0);
    expect((await listContinuations(copy.id)).branches).toHaveLength(1);
  });

  it("a teacher that cannot be reached leaves the trace as it was", async () => {
    const { id } = await longTrace();
    const before = await stepsOf(id);
    const trace = await db().trace.findUniqueOrThrow({ where: { id } });
    const branches = await db().traceBranch.count({ where: { traceId: id } });
    await expect(regenerateFrom(id, { afterStep: 0, expectedVersion: trace.version, teacher: { kind: "endpoint", baseUrl: "http://127.0.0.1:9/v1", model: "m" }, maxTurns: 2 })).rejects.toThrow();
    await expect(regenerateFrom(id, { afterStep: 0, expectedVersion: trace.version, teacher: { kind: "endpoint", baseUrl: teacher.url, model: "no-such-model" } })).rejects.toThrow();
    expect(await stepsOf(id)).toEqual(before);
    expect(await db().traceBranch.count({ where: { traceId: id } })).toBe(branches);
    expect((await db().trace.findUniqueOrThrow({ where: { id } })).version).toBe(trace.version);
  });
});
