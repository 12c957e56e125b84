import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAll, stepShapes } from "@/lib/formats/agent-log-items";
import { readActionObject, readObservation } from "@/lib/formats/json-actions";

const F = (p: string) => path.resolve("fixtures/agent-logs/json-actions", p);

describe("json-actions: CoTA records", () => {
  it("cota-mantis layout (conversation role / content, images): thought → reasoning, actions[0] → call, observation dict, Terminate → answer", () => {
    const { format, traces, errors, warnings } = readAll(F("cota-mantis-clevr-781.jsonl"));
    expect(format).toBe("json-actions");
    expect(errors).toEqual([]);
    expect(traces.map((t) => [t.externalId, t.image, t.finalAnswer])).toEqual([
      ["cota-781-0001", "CLEVR_train_000781.png", "2"],
      ["cota-781-0002", "CLEVR_train_000781.png", "A"],
      ["cota-781-0003", "CLEVR_train_000781.png", "metal"],
    ]);
    expect(traces[0].question).toBe("How many cylinders are left of the small gray cylinder?");
    expect(stepShapes(traces[0])).toEqual([
      { reasoning: "First I need the small gray cylinder." },
      { call: "detect", args: { query: "small gray cylinder" } },
      { result: [{ id: "obj_1", label: "cylinder", box: [242, 171, 30, 30] }] },
      { reasoning: "It is obj_1. Now the objects left of it." },
      { call: "relate", args: { object: "obj_1", relation: "left" } },
      { result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] },
      { reasoning: "Keep the cylinders among them." },
      { call: "filter", args: { objects: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"], attribute: "shape", value: "cylinder" } },
      { result: ["obj_0", "obj_8"] },
      { reasoning: "obj_0 and obj_8 are cylinders left of obj_1, so there are 2." },
      { answer: "2" },
    ]);
    // a fenced turn with two actions (one runs), a Python-dict turn, an executor error without the OBSERVATION prefix
    expect(warnings).toEqual([{ line: 2, message: "$.conversation[2].content.actions: 2 actions in one turn: only the first is executed (TACO), the rest are kept in the raw record" }]);
    expect(stepShapes(traces[1])).toEqual([
      { reasoning: "I localize both objects." },
      { call: "LocalizeObjects", args: { image: "image-0", objects: ["yellow cube", "red sphere"] } },
      { result: { image: 'image-1: <img "results/image-1.jpg">', regions: [{ label: "yellow cube", bbox: [0.44, 0.32, 0.5, 0.39], score: 0.91 }, { label: "red sphere", bbox: [0.6, 0.4, 0.68, 0.52], score: 0.88 }] } },
      { reasoning: "The cube box starts at x=0.44, the sphere at x=0.6; I compute the gap." },
      { call: "Calculate", args: { expression: "0.6 - 0.44" } },
      { result: { error: "Execution error: Calculate needs a number expression, found a string with quotes." } },
      { reasoning: "The gap is positive either way: the cube is left of the sphere." },
      { answer: "A" },
    ]);
    // "actions": [] is a turn without a call
    expect(stepShapes(traces[2])).toEqual([{ reasoning: "The large red sphere is obj_4; I can see it is shiny, so no action is needed." }, { reasoning: "It is metal." }, { answer: "metal" }]);
  });

  it("cota-llava layout (a JSON array of {sample_id, image, conversations: from / value}) is streamed record by record", () => {
    const { traces, errors } = readAll(F("cota-llava-clevr-781.json"));
    expect(errors).toEqual([]);
    expect(traces.map((t) => [t.externalId, t.question, t.image, t.finalAnswer])).toEqual([
      ["cota-llava-781-a", "How many spheres are there?", "CLEVR_train_000781.png", "3"],
      ["cota-llava-781-b", "What color is obj_8?", "CLEVR_train_000781.png", "blue"],
    ]);
    expect(stepShapes(traces[0])[4]).toEqual({ call: "count", args: { objects: ["obj_2", "obj_3", "obj_4"] } });
    // the record is kept as its own text, its messages on their lines
    expect(JSON.parse(traces[1].raw).sample_id).toBe("cota-llava-781-b");
  });
});

describe("json-actions: reading one turn", () => {
  it("the first balanced object of the text, fenced or not, JSON or a Python dict", () => {
    expect(readActionObject('Sure. ```json\n{"thought": "t", "actions": []}\n```')).toEqual({ ok: true, value: { thought: "t", actions: [] } });
    expect(readActionObject("{'thought': 'a {brace} inside', 'actions': [{'name': 'OCR', 'arguments': {'image': 'image-0'}}]} trailing")).toEqual({ ok: true, value: { thought: "a {brace} inside", actions: [{ name: "OCR", arguments: { image: "image-0" } }] } });
    expect(readActionObject('{"thought": "x", "actions": [')).toEqual({ ok: false, error: "the JSON object is truncated (no closing brace)" });
    expect(readActionObject("I cannot help with that.")).toEqual({ ok: false, error: 'expected a JSON object {"thought", "actions"}, found "I cannot help with that."' });
  });

  it("observations: the dict TACO prints, or text; no prefix means the executor's error", () => {
    expect(readObservation("OBSERVATION:\n{'text': 'x-2^3=0'}\nThe OBSERVATION can be incomplete or incorrect, so please be critical.")).toEqual({ text: "x-2^3=0" });
    expect(readObservation("OBSERVATION:\n8")).toBe(8);
    expect(readObservation("Execution error: division by zero\nPlease try again to fix the error.")).toEqual({ error: "Execution error: division by zero" });
  });
});

describe("json-actions: malformed input, located", () => {
  it("a truncated array: the complete records read, the cut one is an error on its line", () => {
    const { traces, errors } = readAll(F("bad/truncated.json"), "json-actions");
    expect(traces.map((t) => t.externalId)).toEqual(["ok-1"]);
    expect(errors).toEqual([{ line: 27, path: "$[1]", error: "truncated JSON: the document ends inside $[1], which starts on line 26" }]);
  });

  it("wrong types", () => {
    expect(readAll(F("bad/wrong-types.jsonl"), "json-actions").errors).toEqual([
      { unit: "1", line: 1, path: "$.conversation[1].content.actions", error: 'expected a list of actions, found "OCR"' },
      { unit: "2", line: 2, path: "$.conversation[1].content.actions[0].arguments", error: 'expected a JSON object, found ["spheres"]' },
      { unit: "3", line: 3, path: "$.conversation[1].content.thought", error: "expected the thought as a string, found 7" },
    ]);
  });

  it("missing fields: an action without name, Terminate without answer, a truncated turn, no actions", () => {
    expect(readAll(F("bad/missing-fields.jsonl"), "json-actions").errors).toEqual([
      { unit: "1", line: 1, path: "$.conversation[1].content.actions[0].name", error: 'expected the action\'s "name", found undefined' },
      { unit: "2", line: 2, path: "$.conversation[1].content.actions[0].arguments.answer", error: 'Terminate needs its "answer", found null' },
      { unit: "3", line: 3, path: "$.conversation[1].content", error: 'expected {"thought": …, "actions": [{"name": …, "arguments": {…}}]}: the JSON object is truncated (no closing brace)' },
      { unit: "4", line: 4, path: "$.conversation[1].content.actions", error: 'expected "actions": a list of {"name", "arguments"} (empty when no action is needed)' },
    ]);
  });

  it("wrong encoding and a huge line are reported on their lines", () => {
    expect(readAll(F("bad/latin1-line-2.jsonl"), "json-actions").errors).toEqual([{ line: 2, path: "$", error: "line is not valid UTF-8" }]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "json-actions-")), "huge.jsonl");
    const first = fs.readFileSync(F("cota-mantis-clevr-781.jsonl"), "utf8").split("\n")[0];
    fs.writeFileSync(file, `${first}\n${JSON.stringify({ id: "big", conversation: [{ role: "user", content: "x".repeat(9 * 1024 * 1024) }] })}\n`);
    expect(readAll(file, "json-actions").errors).toEqual([{ line: 2, path: "$", error: "line is longer than the 8388608-byte limit" }]);
  });
});
