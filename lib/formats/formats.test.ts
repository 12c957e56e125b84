import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCallExpression, parseLiteral, splitFinalAnswer } from "@/lib/formats/agent";
import { toPixelBox } from "@/lib/formats/boxes";
import { isValidCanonical } from "@/lib/formats/canonical";
import { clevrCategoryLabel } from "@/lib/formats/coco";
import { describeJsonError } from "@/lib/formats/records";
import { decodeRleCounts, polygonsToBox, rleToBox } from "@/lib/formats/rle";
import { canonicalTrace } from "@/lib/schemas/trace";

describe("the hand-written canonical validator", () => {
  const base = JSON.parse(fs.readFileSync("fixtures/canonical/clevr-781-two-traces.jsonl", "utf8").split("\n")[0]);

  // Every mutation that the fast path accepts must be accepted by zod too (it may only say
  // "valid" when zod would); the mutations cover each rule the fast path encodes.
  const mutations: Array<[string, (t: Record<string, unknown>) => void]> = [
    ["as is", () => {}],
    ["extra top-level key", (t) => (t.extra = 1)],
    ["wrong schema", (t) => (t.schema = "stepwise.trace/v2")],
    ["empty id", (t) => (t.id = "")],
    ["long id", (t) => (t.id = "x".repeat(201))],
    ["numeric question", (t) => (t.question = 7)],
    ["null answer", (t) => (t.answer = null)],
    ["boolean answer", (t) => (t.answer = true)],
    ["object answer", (t) => (t.answer = { a: 1 })],
    ["teacher extra key", (t) => (t.teacher = { model: "m", seed: 1 })],
    ["teacher params array", (t) => (t.teacher = { params: [] })],
    ["empty method", (t) => (t.method = "")],
    ["program of objects", (t) => (t.program = [{ function: "scene" }])],
    ["program of strings", (t) => (t.program = ["scene"])],
    ["meta array", (t) => (t.meta = [])],
    ["no steps", (t) => (t.steps = [])],
    ["unknown kind", (t) => ((t.steps as Array<Record<string, unknown>>)[0].kind = "observe")],
    ["plan with extra key", (t) => ((t.steps as Array<Record<string, unknown>>)[0].tool = "x")],
    ["tool_call args array", (t) => ((t.steps as Array<Record<string, unknown>>)[1].args = [])],
    ["tool_call with text", (t) => ((t.steps as Array<Record<string, unknown>>)[1].text = "why")],
    ["tool_result without output", (t) => delete (t.steps as Array<Record<string, unknown>>)[2].output],
    ["tool_result empty call", (t) => ((t.steps as Array<Record<string, unknown>>)[2].call = "")],
    ["text too long", (t) => ((t.steps as Array<Record<string, unknown>>)[0].text = "x".repeat(100_001))],
    ["array record", (t) => Object.assign(t, { steps: "no" })],
  ];
  for (const [name, mutate] of mutations) {
    it(`agrees with zod: ${name}`, () => {
      const trace = structuredClone(base);
      mutate(trace);
      const fast = isValidCanonical(trace);
      const zod = canonicalTrace.safeParse(trace).success;
      if (fast) expect(zod).toBe(true);
      // and for these cases it is exact, so zod is only ever consulted for bad records
      expect(fast).toBe(zod);
    });
  }
});

describe("agent logs", () => {
  it("reads calls written as code, with Python literals and positional arguments", () => {
    expect(parseCallExpression('relate(object="obj_1", relation="left")')).toEqual({ tool: "relate", args: { object: "obj_1", relation: "left" } });
    expect(parseCallExpression("filter(['obj_1', 'obj_2'], 'shape', 'cube')")).toEqual({ tool: "filter", args: { objects: ["obj_1", "obj_2"], attribute: "shape", value: "cube" } });
    expect(parseCallExpression("tools.count(objects=[obj_1, obj_2])")).toEqual({ tool: "count", args: { objects: ["obj_1", "obj_2"] } });
    expect(parseCallExpression("detect(query='a', 'b')")).toEqual({ error: expect.stringContaining("a positional argument follows a keyword argument") });
    expect(parseCallExpression("not a call")).toBeNull();
    expect(parseLiteral("{'a': (1, 2.5), 'b': None, 'c': True}")).toEqual({ a: [1, 2.5], b: null, c: true });
  });

  it("splits a final answer off the text before it", () => {
    expect(splitFinalAnswer("obj_0 and obj_8.\n\nFinal answer: 2")).toEqual({ before: "obj_0 and obj_8.", answer: "2" });
    expect(splitFinalAnswer("It is metal. Answer: metal")).toEqual({ before: "It is metal.", answer: "metal" });
    expect(splitFinalAnswer("the answer depends")).toBeNull();
  });
});

describe("boxes", () => {
  const size = { width: 480, height: 320 };
  it.each([
    ["xywh", [96, 64, 48, 32]],
    ["xyxy", [96, 64, 144, 96]],
    ["xywh-norm", [0.2, 0.2, 0.1, 0.1]],
    ["xyxy-norm", [0.2, 0.2, 0.3, 0.3]],
    ["cxcywh-norm", [0.25, 0.25, 0.1, 0.1]],
    ["yxyx-999", ["199.8", "199.8", "299.7", "299.7"]],
    ["yxyx-1000", [200, 200, 300, 300]],
  ] as const)("%s → pixel xywh", (convention, box) => {
    expect(toPixelBox(box, convention, size)).toEqual({ ok: true, box: [96, 64, 48, 32] });
  });

  it("says what is missing or wrong", () => {
    expect(toPixelBox([0.1, 0.1, 0.2, 0.2], "xyxy-norm")).toEqual({ ok: false, error: expect.stringContaining("needs the image size") });
    expect(toPixelBox([10, 10, 5, 5], "xyxy")).toEqual({ ok: false, error: expect.stringContaining("negative width or height") });
    expect(toPixelBox([1, 2, 3], "xywh")).toEqual({ ok: false, error: "expected 4 numbers, found [1,2,3]" });
    expect(toPixelBox([0, 0, 1.5, 1], "xywh-norm", size)).toEqual({ ok: false, error: expect.stringContaining("outside the xywh-norm range") });
  });
});

describe("COCO RLE", () => {
  it("decodes the compressed counts string as pycocotools does", () => {
    // a 4×3 mask (h=4, w=3) whose column 1 rows 1–2 are set: counts [5, 2, 5]
    expect(decodeRleCounts("525")).toEqual([5, 2, 5]);
    // from the fourth count on, each is stored as the difference to the count two before
    expect(decodeRleCounts("5230")).toEqual([5, 2, 3, 2]);
    expect(rleToBox({ size: [4, 3], counts: [5, 2, 5] })).toEqual([1, 1, 1, 2]);
    // a run that wraps into the next column spans the full height
    expect(rleToBox({ size: [4, 3], counts: [3, 2, 7] })).toEqual([0, 0, 2, 4]);
    expect(rleToBox({ size: [4, 3], counts: [12] })).toEqual([0, 0, 0, 0]);
    expect(() => rleToBox({ size: [4, 3], counts: [5, 2] })).toThrow("cover 7 pixels");
    expect(polygonsToBox([[10, 20, 30, 20, 30, 50]])).toEqual([10, 20, 20, 30]);
  });

  it("names CLEVR Mask R-CNN categories", () => {
    expect([1, 5, 26, 36, 48].map(clevrCategoryLabel)).toEqual(["blue rubber cube", "blue metal cylinder", "green rubber cylinder", "purple metal sphere", "yellow metal sphere"]);
    expect(clevrCategoryLabel(0)).toBe("category 0");
  });
});

describe("JSON errors", () => {
  it("says truncated, or where the JSON went wrong", () => {
    const error = (text: string) => {
      try {
        JSON.parse(text);
      } catch (e) {
        return describeJsonError(e);
      }
    };
    expect(error('{"a": "b')).toMatch(/^truncated JSON: the record ends before it is complete/);
    expect(error('{"a" 1}')).toMatch(/^invalid JSON at column 6: /);
  });
});
