import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { verifyTrace } from "@/lib/verifier/verify";
import { FAULT_TYPES, ORACLE_RATES, generateCorpus, readClevrScenes, toVerifyStep, type CorpusTrace } from "@/lib/teacher/scripted";

// The scripted teacher is the verifier's oracle: it injects faults and labels every step by
// docs/design.md §5 from its own structures; the verifier sees only the trace text. Step-level agreement
// on "step outcome = fail" is the acceptance figure (≥ 0.95 precision and recall).

const scenes = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json"));

function verify(t: CorpusTrace) {
  return verifyTrace({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }, DEFAULT_SETTINGS);
}

describe("verifier vs the fault injector's truth labels", () => {
  it("agrees on ≥ 2,000 faulty traces over 300 real CLEVR scenes and 3 seeds (precision and recall ≥ 0.95)", () => {
    const corpus = generateCorpus({ scenes: scenes.slice(0, 300), questionsPerScene: 3, seeds: [1, 2, 3], methods: ["direct"], rates: ORACLE_RATES });
    expect(corpus.length).toBeGreaterThanOrEqual(2000);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const injected = new Map<string, number>();
    for (const t of corpus) {
      const { outcomes } = verify(t);
      outcomes.forEach((outcome, i) => {
        const flagged = outcome === "fail";
        if (flagged && t.wrong[i]) tp++;
        else if (flagged) fp++;
        else if (t.wrong[i]) fn++;
      });
      for (const fault of t.faults) injected.set(fault.type, (injected.get(fault.type) ?? 0) + 1);
    }
    for (const type of FAULT_TYPES) expect(injected.get(type) ?? 0, type).toBeGreaterThanOrEqual(5);
    expect(tp).toBeGreaterThan(1000);
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
  });

  it("finds no failing step on clean traces (both tool-call styles, every template)", () => {
    const corpus = generateCorpus({ scenes: scenes.slice(300, 500), questionsPerScene: 5, seeds: [7], methods: ["direct"], rates: {} });
    expect(corpus.length).toBeGreaterThanOrEqual(900);
    expect(new Set(corpus.map((t) => (t.trace.teacher?.params as { style: string }).style))).toEqual(new Set(["filter", "detect"]));
    expect(new Set(corpus.map((t) => t.question.template)).size).toBe(10);
    const failing = corpus.flatMap((t) => {
      const result = verify(t);
      return result.verdicts.filter((v) => v.outcome === "fail").map((v) => `${t.trace.id} step ${v.step} ${v.rule}: ${v.message}`);
    });
    expect(failing).toEqual([]);
    for (const t of corpus) expect(t.wrong.every((w) => !w)).toBe(true);
  });

  it("labels follow docs/design.md §5: a call that faithfully uses a hallucinated result is not wrong", () => {
    const corpus = generateCorpus({ scenes: scenes.slice(0, 200), questionsPerScene: 3, seeds: [11], methods: ["direct"], rates: { hallucinated_result: 0.3 } });
    let checked = 0;
    for (const t of corpus) {
      const fault = t.faults.find((f) => f.type === "hallucinated_result");
      if (!fault) continue;
      const result = t.trace.steps[fault.step];
      const nextCall = t.trace.steps.findIndex((s, i) => i > fault.step && s.kind === "tool_call");
      if (result.kind !== "tool_result" || !Array.isArray(result.output) || nextCall < 0) continue;
      const call = t.trace.steps[nextCall];
      if (call.kind !== "tool_call" || !Array.isArray(call.args.objects)) continue;
      const used = JSON.stringify([...(call.args.objects as string[])].sort());
      const recorded = JSON.stringify(result.output.map((o) => (typeof o === "string" ? o : (o as { id: string }).id)).sort());
      if (used !== recorded) continue;
      checked++;
      expect(t.wrong[fault.step]).toBe(true);
      expect(t.wrong[nextCall]).toBe(false);
      expect(verify(t).outcomes[nextCall]).not.toBe("fail");
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("step-level verification yields more valid traces than direct generation, final-answer sits between", () => {
    const corpus = generateCorpus({ scenes: scenes.slice(500, 620), questionsPerScene: 3, seeds: [5], methods: ["direct", "final-answer", "step-level"], rates: ORACLE_RATES });
    const valid = (method: string) => {
      const traces = corpus.filter((t) => t.trace.method === method);
      return traces.filter((t) => verify(t).valid).length / traces.length;
    };
    expect(valid("step-level")).toBeGreaterThan(valid("final-answer"));
    expect(valid("final-answer")).toBeGreaterThan(valid("direct"));
  });
});
