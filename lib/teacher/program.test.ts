import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseClevrQuestion, parseClevrScenes } from "@/lib/formats/clevr";
import { normalizeCanonical } from "@/lib/formats/canonical";
import { toolSceneFromNormalized } from "@/lib/services/traces/scenes";
import { convertProgram } from "@/lib/teacher/program";
import { getTool } from "@/lib/tools/registry";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { verifyTrace } from "@/lib/verifier/verify";

const demo = path.resolve("prisma/demo/clevr");
const sceneText = fs.readFileSync(path.join(demo, "CLEVR_train_scenes_subset5.json"), "utf8");
const scenes = new Map(parseClevrScenes(sceneText, JSON.parse(sceneText)).scenes.map(({ value }) => [value.name, toolSceneFromNormalized(value)]));
const questions = fs.readFileSync(path.join(demo, "clevr_questions_single_image_flattened.jsonl"), "utf8").trim().split("\n")
  .map((line, i) => parseClevrQuestion(JSON.parse(line), String(i + 1)))
  .map((q) => (q.ok ? q.value.programQuestion! : null))
  .filter((q) => q !== null);

describe("convertProgram on the 36 real CLEVR programs", () => {
  it("reads all 36 questions with programs", () => {
    expect(questions).toHaveLength(36);
  });

  it("produces valid canonical traces whose every tool result is the tool's own re-execution", () => {
    for (const question of questions) {
      const scene = scenes.get(question.image)!;
      const { trace } = convertProgram(question, scene);
      expect(normalizeCanonical(trace, JSON.stringify(trace)).ok).toBe(true);
      const calls = new Map(trace.steps.flatMap((s) => (s.kind === "tool_call" ? [[s.id, s] as const] : [])));
      for (const step of trace.steps) {
        if (step.kind !== "tool_result") continue;
        const call = calls.get(step.call)!;
        const outcome = getTool(call.tool)!.execute!(scene, call.args);
        expect(step.output).toEqual(outcome.ok ? outcome.value : { error: outcome.error });
      }
    }
  });

  it("agrees with every _output the programs carry, and answers like the ground truth", () => {
    let checked = 0;
    for (const question of questions) {
      const { trace, warnings } = convertProgram(question, scenes.get(question.image)!);
      expect(warnings.filter((w) => w.includes("differs from execution"))).toEqual([]);
      if (question.program.every((n) => "_output" in n)) {
        checked++;
        const answer = trace.steps.at(-1)!;
        expect(answer.kind === "answer" && answer.text).toBe(typeof question.answer === "boolean" ? (question.answer ? "yes" : "no") : String(question.answer));
      }
    }
    expect(checked).toBe(18);
  });

  it("recovers the value of real malformed filter nodes from their _output", () => {
    const question = questions.find((q) => q.question === "Is the number of large things greater than the number of small things?")!;
    const { trace, warnings } = convertProgram(question, scenes.get(question.image)!);
    expect(warnings).toContain('node 1 (filter_size) has no value_inputs; recovered "large" from its _output');
    expect(trace.steps).toContainEqual({ kind: "tool_call", id: "c2", tool: "filter", args: expect.objectContaining({ attribute: "size", value: "large" }) });
  });
});

describe("verifying the 36 real programs, converted faithfully", () => {
  const verified = questions.map((question) => {
    const scene = scenes.get(question.image)!;
    const { trace } = convertProgram(question, scene);
    const normalized = normalizeCanonical(trace, JSON.stringify(trace));
    if (!normalized.ok) throw new Error(`${trace.id} does not normalise`);
    return { question, trace, result: verifyTrace({ steps: normalized.value.steps, answer: normalized.value.answer, program: trace.program, scene }, DEFAULT_SETTINGS) };
  });
  const malformed = (q: { program: Array<{ type?: string; function?: string; value_inputs?: string[] }> }) =>
    q.program.some((n) => (n.type ?? n.function) === "filter_color" && n.value_inputs?.[0] === "rubber");

  it("35 well-formed programs: zero failing steps, every trace valid", () => {
    const wellFormed = verified.filter((v) => !malformed(v.question));
    expect(wellFormed).toHaveLength(35);
    const failures = wellFormed.flatMap((v) => v.result.verdicts.filter((d) => d.outcome === "fail").map((d) => `${v.trace.id} step ${d.step} ${d.rule}: ${d.message}`));
    expect(failures).toEqual([]);
    expect(wellFormed.every((v) => v.result.valid && v.result.completeness === 1)).toBe(true);
  });

  it("the one malformed program (filter_color \"rubber\") fails exactly at that call, on args.schema", () => {
    const [bad] = verified.filter((v) => malformed(v.question));
    expect(bad.question.question).toContain("If all of the large red metal things became rubber");
    const failing = bad.result.verdicts.filter((d) => d.outcome === "fail");
    expect(failing).toHaveLength(1);
    const step = bad.trace.steps[failing[0].step];
    expect(step).toMatchObject({ kind: "tool_call", tool: "filter", args: { attribute: "color", value: "rubber" } });
    expect(failing[0]).toMatchObject({ rule: "args.schema", message: expect.stringContaining('"rubber" is not a color') });
    // its {"error"} result is right: re-executing the call fails the same way
    expect(bad.result.verdicts.find((d) => d.step === failing[0].step + 1 && d.rule === "result.reexec")?.outcome).toBe("pass");
    // the answer still matches the ground truth (0): the engine that wrote the question hit the same empty filter
    expect(bad.result.finalCorrect).toBe(true);
  });
});
