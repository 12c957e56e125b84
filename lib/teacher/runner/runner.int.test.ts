import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalTrace } from "@/lib/schemas/trace";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { generateQuestions, readClevrScenes, toVerifyStep, type GeneratedQuestion } from "@/lib/teacher/scripted";
import { createRng } from "@/lib/teacher/scripted/rng";
import { generateForQuestion, type GenerationMethod } from "@/lib/teacher/runner/methods";
import { memoryLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, MISBEHAVIOURS, startTeacherServer, type Misbehaviour, type TeacherServer } from "@/lib/teacher/serve/server";
import { toolJsonSchemas } from "@/lib/tools/registry";
import type { Scene } from "@/lib/tools/scene";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { verifyTrace } from "@/lib/verifier/verify";

// The tool loop over real HTTP against the built-in teacher (teacher-serve's server on a free
// 127.0.0.1 port): every method, every misbehaviour class, and the verifier on what comes back.

const scenes: Scene[] = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json")).slice(0, 12);
const questions: Array<GeneratedQuestion & { scene: Scene }> = scenes.flatMap((scene, i) => generateQuestions(scene, 2, createRng(100 + i)).map((q) => ({ ...q, scene })));
const lookup = memoryLookup(scenes, questions.map((q) => ({ image: q.image, question: q.question, program: q.program, answer: q.answer })));
const tools = toolJsonSchemas();

function verify(trace: ReturnType<typeof canonicalTrace.parse>, scene: Scene, answer: string | null, program: unknown) {
  return verifyTrace({ steps: trace.steps.map(toVerifyStep), scene, answer, program }, DEFAULT_SETTINGS);
}

async function runAll(server: TeacherServer, method: GenerationMethod, k = 3) {
  const client = new EndpointClient({ baseUrl: server.url, model: BUILTIN_MODEL, maxRetries: 8 }, { backoff: { baseMs: 1, maxMs: 5 } });
  const out = [];
  for (const [i, q] of questions.entries()) {
    const generated = await generateForQuestion(
      { id: q.id, image: q.image, question: q.question, answer: q.answer === undefined || q.answer === null ? null : String(q.answer), program: q.program },
      { client, scene: q.scene, tools, imagePart: null, method, k, maxTurns: 24, key: `test:${method}:${i}` },
    );
    out.push({ generated, q });
  }
  return { out, client };
}

describe("tool loop against the built-in endpoint", () => {
  let clean: TeacherServer;
  let faulty: TeacherServer;
  beforeAll(async () => {
    clean = await startTeacherServer({ lookup, faults: "none" });
    faulty = await startTeacherServer({ lookup, faults: "dense" });
  });
  afterAll(async () => {
    await clean.close();
    await faulty.close();
  });

  it("direct, fault-free: canonical traces that answer correctly; every tool result equals re-execution", async () => {
    const { out, client } = await runAll(clean, "direct");
    for (const { generated, q } of out) {
      const trace = canonicalTrace.parse(generated.trace);
      expect(trace.meta?.stopReason).toBe("answer");
      expect(trace.steps.at(-1)!.kind).toBe("answer");
      expect(trace.steps.filter((s) => s.kind === "tool_call").length).toBeGreaterThan(0);
      const result = verify(trace, q.scene, String(q.answer), q.program);
      const reexec = result.verdicts.filter((v) => v.rule === "result.reexec");
      expect(reexec.length).toBeGreaterThan(0);
      expect(reexec.every((v) => v.outcome === "pass")).toBe(true);
      expect(result.finalCorrect).toBe(true);
      // per-step and per-trace accounting
      const meta = trace.meta as { steps: Array<{ responseId: string; latencyMs: number; argsRaw?: string }>; turns: unknown[]; tokens: { prompt: number; completion: number } };
      expect(meta.steps).toHaveLength(trace.steps.length);
      expect(meta.steps.every((s) => s.responseId?.startsWith("chatcmpl-stepwise-"))).toBe(true);
      trace.steps.forEach((s, i) => {
        if (s.kind === "tool_call") expect(JSON.parse(meta.steps[i].argsRaw!)).toEqual(s.args);
      });
      expect(meta.tokens.prompt).toBeGreaterThan(0);
      expect(trace.teacher?.model).toBe(BUILTIN_MODEL);
    }
    expect(client.meter.snapshot().requests).toBeGreaterThan(questions.length);
  });

  it("the methods order by validity on a faulty teacher: step-level ≥ final-answer ≥ direct, and reasoning faults are caught", async () => {
    const valid: Record<string, number> = {};
    let caught = 0;
    for (const method of ["direct", "final-answer", "step-level", "best-of-n"] as const) {
      const { out } = await runAll(faulty, method, 4);
      valid[method] = 0;
      for (const { generated, q } of out) {
        const result = verify(canonicalTrace.parse(generated.trace), q.scene, String(q.answer), q.program);
        expect(result.verdicts.filter((v) => v.rule === "result.reexec").every((v) => v.outcome === "pass")).toBe(true);
        if (result.valid) valid[method]++;
        if (method === "direct" && result.verdicts.some((v) => v.rule === "reasoning.claims" && v.outcome === "fail")) caught++;
        if (method !== "direct" && generated.alternatives.length) {
          const meta = generated.trace.meta as { alternatives: Array<{ step: number; steps: unknown[]; rejected: string[] }> };
          expect(meta.alternatives.every((a) => a.steps.length > 0 && a.rejected.length > 0 && a.step >= 0 && a.step < generated.trace.steps.length)).toBe(true);
        }
      }
    }
    expect(caught).toBeGreaterThan(0);
    expect(valid["step-level"]).toBeGreaterThanOrEqual(valid["final-answer"]);
    expect(valid["final-answer"]).toBeGreaterThanOrEqual(valid.direct);
    expect(valid["step-level"]).toBeGreaterThan(valid.direct);
    expect(valid["best-of-n"]).toBeGreaterThanOrEqual(valid.direct);
  });

  it.each(MISBEHAVIOURS.map((m) => [m]))("misbehaviour %s is handled and counted", async (kind: Misbehaviour) => {
    const server = await startTeacherServer({ lookup, faults: "none", misbehave: [kind], misbehaveRate: 1 });
    try {
      const { out } = await runAll(server, "direct");
      expect(server.stats.misbehaved[kind]).toBeGreaterThan(0);
      const fallbacks: Record<string, number> = {};
      const stops: Record<string, number> = {};
      for (const { generated, q } of out) {
        const trace = canonicalTrace.parse(generated.trace);
        const meta = trace.meta as { fallbacks: Record<string, number>; stopReason: string };
        for (const [f, n] of Object.entries(meta.fallbacks)) fallbacks[f] = (fallbacks[f] ?? 0) + n;
        stops[meta.stopReason] = (stops[meta.stopReason] ?? 0) + 1;
        const result = verify(trace, q.scene, String(q.answer), q.program);
        if (kind === "unparseable_args") {
          // kept verbatim, answered with an error, failed by the verifier under args.schema
          const call = trace.steps.findIndex((s) => s.kind === "tool_call");
          expect(trace.steps[call]).toMatchObject({ args: { argsRaw: expect.any(String) } });
          expect(trace.steps[call + 1]).toMatchObject({ kind: "tool_result", output: { error: "unparseable arguments" } });
          expect(result.verdicts.some((v) => v.step === call && v.rule === "args.schema" && v.outcome === "fail")).toBe(true);
        } else if (kind !== "empty" && kind !== "truncate") {
          expect(result.verdicts.filter((v) => v.rule === "result.reexec").every((v) => v.outcome === "pass")).toBe(true);
          expect(result.finalCorrect).toBe(true);
        }
      }
      const expected: Record<Misbehaviour, () => void> = {
        hermes: () => expect(fallbacks.hermes).toBeGreaterThan(0),
        fenced: () => expect(fallbacks.fenced).toBeGreaterThan(0),
        json_actions: () => expect(fallbacks.json_actions).toBeGreaterThan(0),
        python_args: () => expect(fallbacks.python_args).toBeGreaterThan(0),
        cut_args: () => expect(fallbacks.repaired_args).toBeGreaterThan(0),
        unparseable_args: () => expect(fallbacks.unparseable_args).toBeGreaterThan(0),
        truncate: () => expect(stops.length).toBe(questions.length),
        empty: () => expect(stops.empty).toBe(questions.length),
      };
      expected[kind]();
    } finally {
      await server.close();
    }
  });

  it("429 with Retry-After and 500s are retried and counted; the traces are unaffected", async () => {
    const server = await startTeacherServer({ lookup, faults: { rates: {}, rateLimited: 0.2, serverError: 0.15 }, retryAfterSeconds: 0.01 });
    try {
      const { out, client } = await runAll(server, "direct");
      const usage = client.meter.snapshot();
      expect(server.stats.rateLimited).toBeGreaterThan(0);
      expect(server.stats.serverErrors).toBeGreaterThan(0);
      expect(usage.retries).toBe(server.stats.rateLimited + server.stats.serverErrors);
      expect(usage.errors.rate_limited).toBe(server.stats.rateLimited);
      expect(usage.errors.server).toBe(server.stats.serverErrors);
      for (const { generated } of out) expect(generated.trace.meta?.stopReason).toBe("answer");
    } finally {
      await server.close();
    }
  });

  it("maxTurns and the token budget stop the loop and say so", async () => {
    const client = new EndpointClient({ baseUrl: clean.url, model: BUILTIN_MODEL });
    const q = questions.find((x) => x.program.length > 3)!;
    const base = { client, scene: q.scene, tools, imagePart: null, method: "direct" as const, k: 1, key: "limits" };
    const question = { id: q.id, image: q.image, question: q.question, answer: String(q.answer), program: q.program };
    const short = await generateForQuestion(question, { ...base, maxTurns: 1 });
    expect(short.trace.meta?.stopReason).toBe("max_turns");
    expect(short.trace.steps.some((s) => s.kind === "answer")).toBe(false);
    const poor = await generateForQuestion(question, { ...base, maxTurns: 30, tokenBudget: 50 });
    expect(poor.trace.meta?.stopReason).toBe("token_budget");
  });
});
