import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { demoExclusion, seedDemo, unreliableGroundTruth } from "@/lib/services/system/seed";
import { getTrace } from "@/lib/services/traces/traces";
import { planText } from "@/lib/teacher/scripted/engine";

// The demo must not teach wrong things (issue 16): no transform question answered with an object-id
// list, no plan that says "keep the size ones", and a ground truth from a program the verifier fails
// is flagged unreliable — stored, shown on the trace page, never used to check the answer.

let summary: Awaited<ReturnType<typeof seedDemo>>;

beforeAll(async () => {
  summary = await seedDemo({ force: true });
}, 300_000);

describe("demo seed quality", () => {
  it("leaves out transform questions whose answer is a changed scene, and says so", async () => {
    const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, select: { question: true, finalAnswer: true, quality: true, valid: true } });
    expect(traces.filter((t) => /^obj_\d+, obj_\d+/.test(t.finalAnswer ?? ""))).toEqual([]);
    expect(traces.some((t) => t.question.includes("became a gray rubber thing"))).toBe(false);
    expect(summary.warnings.filter((w) => w.includes("left out of the demo: a transform question"))).toHaveLength(2);
    // the "If all of … became …, how many …" transform questions have a number as their answer: they stay
    expect(traces.some((t) => t.question.includes("became red spheres, how many"))).toBe(true);
  });

  it("no plan names an attribute instead of its value (an empty filter value in the source)", async () => {
    const plans = await db().step.findMany({ where: { kind: "plan", trace: { dataset: { name: "clevr-demo" } } }, select: { text: true } });
    expect(plans.length).toBeGreaterThan(100);
    expect(plans.filter((p) => /keep the (size|color|shape|material) ones/.test(p.text ?? ""))).toEqual([]);
    expect(plans.some((p) => (p.text ?? "").includes("Plan: detect the objects, then keep the large ones, then count them, then keep the small ones"))).toBe(true);
  });

  it("a ground truth from a program the verifier fails is flagged, shown, and not used to check the answer", async () => {
    const trace = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, question: { contains: "large red metal things became rubber" } } });
    expect(trace.answer).toBe("0");
    expect(trace.answerUnreliable).toMatch(/the source program fails the verifier \(filter\(color = "rubber"\) failed/);
    const question = await db().question.findUniqueOrThrow({ where: { id: trace.questionId! } });
    expect(question.answerUnreliable).toBe(trace.answerUnreliable);
    const detail = await getTrace(trace.id);
    expect(detail.answerUnreliable).toBe(trace.answerUnreliable);
    // the answer rule had nothing to check against: it skipped instead of passing or failing on "0"
    const answerVerdicts = await db().verdict.findMany({ where: { traceId: trace.id, rule: "final.correct" } });
    expect(answerVerdicts.length).toBeGreaterThan(0);
    expect(answerVerdicts.every((v) => v.outcome === "skip")).toBe(true);
    // every other program trace keeps a trusted ground truth
    expect(await db().trace.count({ where: { dataset: { name: "clevr-demo" }, answerUnreliable: { not: null } } })).toBe(1);
  });

  it("the rules on their own", () => {
    expect(demoExclusion({ program: [{ type: "scene" }, { type: "transform_material" }] })).toMatch(/transform question/);
    expect(demoExclusion({ program: [{ type: "scene" }, { type: "transform_color" }, { type: "count" }] })).toBeNull();
    expect(demoExclusion({ program: [{ function: "filter_size" }] })).toBeNull();
    expect(unreliableGroundTruth("0", ['filter(color = "rubber") failed: value: "rubber" is not a color'])).toMatch(/cannot be trusted/);
    expect(unreliableGroundTruth("0", ['node 1 (filter_size) has no value_inputs; recovered "large" from its _output'])).toBeNull();
    expect(unreliableGroundTruth(null, ["filter(color) failed: x"])).toBeNull();
    const program = [{ type: "scene", inputs: [], value_inputs: [] }, { type: "filter_size", inputs: [0], value_inputs: [] }, { type: "count", inputs: [1], value_inputs: [] }];
    expect(planText(program)).toContain("keep the size ones");
    expect(planText(program, new Map([[1, "large"]]))).toBe("Plan: detect the objects, then keep the large ones, then count them.");
  });
});
