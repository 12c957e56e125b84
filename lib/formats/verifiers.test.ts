import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAll, stepShapes } from "@/lib/formats/agent-log-items";
import { lastBoxed } from "@/lib/formats/verifiers";

const F = (p: string) => path.resolve("fixtures/agent-logs/verifiers", p);

describe("verifiers: vf-eval results.jsonl", () => {
  const { format, traces, images, errors, warnings } = readAll(F("clevr-781-eval/results.jsonl"));

  it("is detected; each rollout is a trace; the id is the example id plus the rollout's content hash", () => {
    expect(format).toBe("verifiers");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(traces.map((t) => t.externalId)).toEqual([
      expect.stringMatching(/^0-[0-9a-f]{12}$/),
      expect.stringMatching(/^0-[0-9a-f]{12}$/),
      expect.stringMatching(/^1-[0-9a-f]{12}$/),
      expect.stringMatching(/^2-[0-9a-f]{12}$/),
      expect.stringMatching(/^3-[0-9a-f]{12}$/),
    ]);
    expect(new Set(traces.map((t) => t.externalId)).size).toBe(5); // two rollouts of example 0
    // the model and sampling args come from metadata.json beside the file; answer is the ground truth
    expect(traces.map((t) => [t.teacherModel, t.teacherParams, t.answer, t.finalAnswer])).toEqual([
      ["gpt-4.1-mini", { max_tokens: 1024, temperature: 0.7 }, "2", "2"],
      ["gpt-4.1-mini", { max_tokens: 1024, temperature: 0.7 }, "2", "4"],
      ["gpt-4.1-mini", { max_tokens: 1024, temperature: 0.7 }, "green", "green"],
      ["gpt-4.1-mini", { max_tokens: 1024, temperature: 0.7 }, "yes", "yes"],
      ["gpt-4.1-mini", { max_tokens: 1024, temperature: 0.7 }, "4", "4"],
    ]);
  });

  it("tool_calls saved as JSON strings, tool messages without ids paired in order, \\boxed{} as the answer", () => {
    expect(traces[0].question).toBe("How many cylinders are left of the small gray cylinder?");
    expect(traces[0].image).toBe("CLEVR_train_000781.png"); // info.image
    expect(stepShapes(traces[0])).toEqual([
      { call: "relate", args: { object: "obj_1", relation: "left" } },
      { result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] },
      { reasoning: "Now the cylinders among them." },
      { call: "filter", args: { objects: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"], attribute: "shape", value: "cylinder" } },
      { result: ["obj_0", "obj_8"] },
      { reasoning: "Two of them are cylinders.\n\\[\n\\boxed{2}\n\\]" },
      { answer: "2" },
    ]);
    expect(traces[0].steps[0].callId).toBe("call_k1");
  });

  it("XML tool environments: <think>, <tool>{name, args}</tool>, <result> user turns, <answer>", () => {
    expect(stepShapes(traces[2])).toEqual([
      { reasoning: "The large metal cylinder should be obj_7; I will check its attributes." },
      { call: "get_attributes", args: { object: "obj_7" } },
      { result: { color: "green", size: "large", shape: "cylinder", material: "metal" } },
      { reasoning: "It is green." },
      { answer: "green" },
    ]);
  });

  it("the newer layout: example_id, flat tool calls with ids, reasoning_content, an image in the prompt", () => {
    expect(images).toHaveLength(1);
    expect(traces[3]).toMatchObject({ question: "Is the large red sphere right of the small yellow cube?", image: images[0].name });
    expect(stepShapes(traces[3])).toEqual([
      { reasoning: "I should check the relation with the tool." },
      { call: "check_relation", args: { subject: "obj_4", relation: "right", object: "obj_6" } },
      { result: true },
      { reasoning: "obj_4 is right of obj_6." },
      { answer: "yes" },
    ]);
  });

  it("completion-format environments: prompt and completion are strings", () => {
    expect(traces[4].question).toBe("How many spheres are in the CLEVR_train_000781 scene?"); // "Question: …\nAnswer:" labels dropped
    expect(stepShapes(traces[4])).toEqual([{ reasoning: "There are four spheres: obj_2, obj_3, obj_4 and obj_9, so the answer is \\boxed{4}." }, { answer: "4" }]);
  });

  it("\\boxed{} with nested braces", () => {
    expect(lastBoxed("first \\boxed{1} then \\boxed{\\frac{1}{2}}.")).toBe("\\frac{1}{2}");
    expect(lastBoxed("no box")).toBeNull();
  });
});

describe("verifiers: malformed input, located", () => {
  it("truncated line", () => {
    const { traces, errors } = readAll(F("bad/truncated-line-2.jsonl"), "verifiers");
    expect(traces).toHaveLength(1);
    expect(errors).toEqual([{ line: 2, path: "$", error: "truncated JSON: the record ends before it is complete (Unterminated string)" }]);
  });

  it("wrong types", () => {
    expect(readAll(F("bad/wrong-types.jsonl"), "verifiers").errors).toEqual([
      { unit: "1", line: 1, path: "$.prompt", error: "expected the prompt as a list of messages or a string, found 42" },
      { unit: "2", line: 2, path: "$.completion", error: 'expected the completion as a list of messages or a string, found {"role":"assistant","content":"4"}' },
      { unit: "3", line: 3, path: "$.completion[0].tool_calls", error: 'expected an array of tool calls, found "detect"' },
      { unit: "4", line: 4, path: "$.completion[0]", error: "tool result answers no call: no earlier tool call is waiting for a result" },
    ]);
  });

  it("missing fields", () => {
    expect(readAll(F("bad/missing-fields.jsonl"), "verifiers").errors).toEqual([
      { unit: "1", line: 1, path: "$", error: 'expected a verifiers rollout {"prompt", "completion", "answer", "reward", …}' },
      { unit: "2", line: 2, path: "$.completion[0].tool_calls[0].function.name", error: "expected the called function's name" },
      { unit: "3", line: 3, path: "$.completion[0].tool_calls[0]", error: expect.stringMatching(/^expected a tool call \(an object, or one encoded as a JSON string\), found invalid JSON/) },
    ]);
  });

  it("wrong encoding and a huge line are reported on their lines", () => {
    expect(readAll(F("bad/latin1-line-2.jsonl"), "verifiers").errors).toEqual([{ line: 2, path: "$", error: "line is not valid UTF-8" }]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verifiers-")), "results.jsonl");
    const row = { id: 0, prompt: [{ role: "user", content: "q" }], completion: [{ role: "assistant", content: "\\boxed{1}" }], answer: "1", reward: 1 };
    fs.writeFileSync(file, `${JSON.stringify(row)}\n${JSON.stringify({ ...row, prompt: "x".repeat(9 * 1024 * 1024) })}\n`);
    expect(readAll(file, "verifiers").errors).toEqual([{ line: 2, path: "$", error: "line is longer than the 8388608-byte limit" }]);
  });
});
