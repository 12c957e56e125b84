import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAll, stepShapes } from "@/lib/formats/agent-log-items";
import { readItems } from "@/lib/formats/read";

const F = (p: string) => path.resolve("fixtures/agent-logs/openai-agents", p);

describe("openai-agents: span exports", () => {
  it("JSONL of exported items, two concurrent traces interleaved: each assembled in span start order", () => {
    const { format, traces, errors, warnings } = readAll(F("clevr-781-spans.jsonl"));
    expect(format).toBe("openai-agents");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    // a trace is complete at its last item: the second trace's trace item is the file's last line
    expect(traces.map((t) => t.externalId)).toEqual(["trace_0a81c2d4e5f60718293a4b5c6d7e8f90", "trace_1b92d3e5f6071829304b5c6d7e8f9a01"]);
    const [a, b] = traces;
    expect(a).toMatchObject({ question: "How many cylinders are left of the small gray cylinder?", image: "CLEVR_train_000781.png", answer: "2", finalAnswer: "2", teacherModel: "gpt-4.1-2025-04-14", format: "openai-agents" });
    expect(a.teacherParams).toMatchObject({ temperature: 0.2 });
    expect(stepShapes(a)).toEqual([
      { reasoning: "I will find the small gray cylinder first." },
      { call: "detect", args: { query: "small gray cylinder" } },
      { result: [{ id: "obj_1", label: "cylinder", box: [242, 171, 30, 30] }] },
      { call: "relate", args: { object: "obj_1", relation: "left" } },
      { result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] },
      { reasoning: "Now only the cylinders." },
      { call: "filter", args: { objects: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"], attribute: "shape", value: "cylinder" } },
      { result: ["obj_0", "obj_8"] },
      { reasoning: "obj_0 and obj_8 are cylinders left of obj_1." },
      { answer: "2" },
    ]);
    expect(a.steps[1].callId).toBe("span_a_f1");
    // the question and image from the generation's input; a failed function span is {error}
    expect(b).toMatchObject({ question: "What material is the large red sphere?", image: "CLEVR_train_000781.png", answer: "metal", finalAnswer: "It is made of metal." });
    expect(stepShapes(b).slice(0, 2)).toEqual([
      { call: "get_attributes", args: { object: "obj_12" } },
      { result: { error: 'Error running tool (non-fatal): {"tool_name":"get_attributes","error":"unknown object obj_12 (scene has 10 objects)"}' } },
    ]);
    // the raw record is the trace's own lines, in file order
    expect(b.raw.split("\n").map((l) => JSON.parse(l).id)).toEqual(["span_b_agent", "span_b_g1", "span_b_f1", "span_b_g2", "span_b_f2", "span_b_g3", "trace_1b92d3e5f6071829304b5c6d7e8f9a01"]);
  });

  it("the backend exporter's {\"data\": [...]} batch; response spans carry no text (a warning says so)", () => {
    const { format, traces, warnings } = readAll(F("responses-ingest-payload.json"));
    expect(format).toBe("openai-agents");
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ question: "Are the small green sphere and the large green cylinder the same color?", answer: "yes", finalAnswer: null });
    expect(stepShapes(traces[0])).toEqual([{ call: "compare", args: { a: "obj_2", b: "obj_7", attribute: "color" } }, { result: true }]);
    expect(warnings).toEqual([{ line: 3, message: "$: trace trace_2c03e4f6071829304b5c6d7e8f9a0b12: its 2 response span(s) carry only response ids, so the trace has no reasoning or answer text" }]);
  });

  it("pass 2 skips a trace the import marked invalid without assembling it", () => {
    const skipped = [...readItems(F("clevr-781-spans.jsonl"), "openai-agents", { trusted: true, skip: (unit) => unit === "trace:trace_0a81c2d4e5f60718293a4b5c6d7e8f90" })];
    expect(skipped.filter((i) => i.type === "trace").map((i) => (i.type === "trace" ? i.value.externalId : ""))).toEqual(["trace_1b92d3e5f6071829304b5c6d7e8f9a01"]);
  });
});

describe("openai-agents: malformed input, located", () => {
  it("truncated line", () => {
    expect(readAll(F("bad/truncated-line-3.jsonl"), "openai-agents").errors).toEqual([{ line: 3, path: "$", error: "truncated JSON: the record ends before it is complete (Unterminated string)" }]);
  });

  it("wrong types: span_data missing or typeless, a function span without name", () => {
    const unit = "trace:trace_bad0000000000000000000000000001";
    expect(readAll(F("bad/wrong-types.jsonl"), "openai-agents").errors).toEqual([
      { unit, line: 2, path: "$.span_data.type", error: 'expected span_data with a "type" (function, generation, response, agent, …), found null' },
      { unit, line: 3, path: "$.span_data.type", error: 'expected span_data with a "type" (function, generation, response, agent, …), found {"type":3}' },
      { unit, line: 4, path: "$.span_data.name", error: "expected the function's name" },
    ]);
  });

  it("missing fields: a span without trace_id, a trace without spans, an unknown item, no question anywhere", () => {
    expect(readAll(F("bad/missing-fields.jsonl"), "openai-agents").errors).toEqual([
      { line: 1, path: "$.trace_id", error: "expected the span's trace_id" },
      { unit: "trace:trace_lonely", line: 2, path: "$", error: 'trace trace_lonely has no spans (expected "trace.span" items with "trace_id": "trace_lonely")' },
      { line: 3, path: "$.object", error: 'expected an exported trace or span ({"object": "trace" | "trace.span", …}), found "response"' },
      { unit: "trace:trace_noquestion", line: 4, path: "$", error: "expected a user message with the question" },
    ]);
  });

  it("wrong encoding and a huge line are reported on their lines", () => {
    expect(readAll(F("bad/latin1-line-2.jsonl"), "openai-agents").errors).toContainEqual({ line: 2, path: "$", error: "line is not valid UTF-8" });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agents-")), "spans.jsonl");
    const lines = fs.readFileSync(F("bad/truncated-line-3.jsonl"), "utf8").split("\n").slice(0, 2);
    fs.writeFileSync(file, `${lines.join("\n")}\n${JSON.stringify({ object: "trace.span", trace_id: "trace_x", span_data: { type: "function", name: "f", input: "x".repeat(9 * 1024 * 1024) } })}\n`);
    expect(readAll(file, "openai-agents").errors).toEqual([{ line: 3, path: "$", error: "line is longer than the 8388608-byte limit" }]);
  });
});
