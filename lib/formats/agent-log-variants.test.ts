import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAll, stepShapes } from "@/lib/formats/agent-log-items";
import { detectFormat } from "@/lib/formats/read";

// Agent logs in shapes the readers were not written from (fixtures/agent-logs/variants, see its
// SOURCE.txt): other models' phrasing, other tools' role and field names, content as parts or
// strings or a parsed object, missing observations, truncated files. Each is auto-detected.

const F = (name: string) => path.resolve("fixtures/agent-logs/variants", name);

describe("react-chat variants", () => {
  it("GPT-4o with content parts, a listed (not def) tool signature, an image in the observation and the answer in the last turn", () => {
    const r = readAll(F("react-chat-gpt4o-parts.json"));
    expect(r.format).toBe("react-chat");
    expect(r.errors).toEqual([]);
    expect(r.images).toHaveLength(2);
    const [t] = r.traces;
    expect(t.question).toBe("Is the mug to the left of the laptop?\n(A) yes (B) no");
    expect(t.image).toBe(r.images[0].name);
    expect(stepShapes(t)).toEqual([
      { reasoning: "I need to locate the mug and the laptop." },
      // parameter names from "- detection(image, objects: list[str]): …" in the system prompt
      { call: "detection", args: { image: "image_1", objects: ["mug", "laptop"] } },
      { result: { output: "<the image outputs of the previous code is here.>", images: [r.images[1].name] } },
      { reasoning: "The mug (box 1) is at x=0.12, the laptop (box 2) at x=0.55, so the mug is on the left." },
      { answer: "(A) yes." },
    ]);
  });

  it("bold numbered keywords; an action whose observation never came stays unanswered; the image variable is not the registry tool's query", () => {
    const r = readAll(F("react-chat-bold-missing-observation.json"));
    expect(r.errors).toEqual([]);
    const [t] = r.traces;
    expect(t.image).toBe("balloons.jpg");
    expect(stepShapes(t)).toEqual([
      { reasoning: "Let me find the balloons first." },
      { call: "detect", args: { query: "red balloon" } },
      { call: "python", args: { argsRaw: "print(len(balloons))" } },
      { reasoning: "I did not get the output; let me try again with the table." },
      { call: "detect", args: { query: "table" } },
      { result: [{ label: "table", box: [10, 200, 300, 120], score: 0.91 }] },
      { reasoning: "Three balloons are above the table." },
      { answer: "3" },
    ]);
    // the observation answers the latest action; the first detect has no result (cross.pairing will say so)
    expect(t.steps[5]).toMatchObject({ kind: "tool_result", callId: t.steps[4].callId });
  });

  it("ShareGPT from/value with an observation role; a call passing a variable the code set stays code", () => {
    const r = readAll(F("react-chat-sharegpt-variables.json"));
    expect(r.errors).toEqual([]);
    expect(stepShapes(r.traces[0])).toEqual([
      { reasoning: "find the car." },
      { call: "detect", args: { query: "car" } },
      { call: "python", args: { argsRaw: "for c in cars:\n    print(c)\nnearest = relate(object=cars[0], relation='right')" } },
      { result: [{ id: "obj_2", label: "car", box: [1, 2, 3, 4] }] },
      { reasoning: "The car is blue." },
      { answer: "blue" },
    ]);
  });

  it("records with metadata one per line: ids, ground truth, an execution error as {error}", () => {
    const r = readAll(F("react-chat-wrapped-records.jsonl"));
    expect(r.errors).toEqual([]);
    expect(r.traces.map((t) => [t.externalId, t.answer, t.finalAnswer])).toEqual([["q-17", "2", "2"], ["q-18", null, "the dog"]]);
    expect(r.traces[1].steps.find((s) => s.kind === "tool_result")?.result).toEqual({ error: expect.stringContaining("NameError: name 'detect' is not defined") });
  });

  it("Action / Action Input (LangChain, Qwen) and the question's label dropped", () => {
    const r = readAll(F("react-chat-action-input.json"));
    expect(r.traces[0].question).toBe("How many chairs are in the room?");
    expect(stepShapes(r.traces[0]).slice(1, 3)).toEqual([{ call: "detect", args: { query: "chair" } }, { result: [{ id: "obj_1" }, { id: "obj_4" }, { id: "obj_5" }] }]);
    expect(r.traces[0].finalAnswer).toBe("3");
  });

  it("OpenAI tool_calls with null content and tool messages", () => {
    const r = readAll(F("react-chat-openai-tool-calls.json"));
    expect(r.errors).toEqual([]);
    expect(stepShapes(r.traces[0])).toEqual([
      { call: "detect", args: { query: "lamp" } },
      { result: [{ id: "obj_0", box: [5, 5, 10, 10] }] },
      { answer: "The lamp is at the left edge, the bed in the middle. Yes." },
    ]);
  });

  it("smolagents CodeAgent memory: Thought / Code with <end_code>, tool-call and tool-response roles, final_answer()", () => {
    const r = readAll(F("react-chat-smolagents-code.json"));
    expect(r.format).toBe("react-chat");
    expect(r.errors).toEqual([]);
    const [t] = r.traces;
    expect(t.question).toBe("How many chairs are to the left of the table?");
    expect(stepShapes(t)).toEqual([
      { reasoning: "I will first find the table, then the objects left of it." },
      { call: "detect", args: { query: "table" } },
      { result: [{ id: "obj_4", box: [210, 140, 120, 80] }] },
      { reasoning: "The table is obj_4. Now the objects to its left, then I keep the chairs." },
      { call: "relate", args: { object: "obj_4", relation: "left" } },
      { call: "python", args: { argsRaw: 'chairs = [o for o in left if o.startswith("obj")]\nprint(len(chairs))' } },
      { result: 2 },
      { reasoning: "Two chairs are left of the table." },
      { answer: "2" },
    ]);
  });

  it("Anthropic content blocks one message per line: image source, tool_use in the assistant turn, tool_result (error included) in the user turn", () => {
    const r = readAll(F("react-chat-anthropic-blocks.jsonl"));
    expect(r.format).toBe("react-chat");
    expect(r.errors).toEqual([]);
    expect(r.images).toHaveLength(1);
    const [t] = r.traces;
    expect(t).toMatchObject({ question: "Is the plant to the right of the sofa?", image: r.images[0].name, finalAnswer: "yes" });
    expect(stepShapes(t)).toEqual([
      { reasoning: "I'll locate both objects first." },
      { call: "detect", args: { query: "plant" } },
      { call: "detect", args: { query: "sofa" } },
      { result: [{ id: "obj_7", box: [400, 100, 50, 120] }] },
      { result: [{ id: "obj_1", box: [50, 150, 300, 140] }] },
      { call: "check_relation", args: { subject: "obj_7", relation: "right", object: "obj_1" } },
      { result: { error: "object obj_9 does not exist" } },
      { reasoning: "The plant (x≈425) is right of the sofa (x≈200)." },
      { answer: "yes" },
    ]);
    // results pair with their calls by tool_use_id
    expect(t.steps[3].callId).toBe("toolu_01");
    expect(t.steps[4].callId).toBe("toolu_02");
  });

  it("a truncated file is an error on its line, and nothing else is read", () => {
    const r = readAll(F("react-chat-truncated.json"));
    expect(r.traces).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ path: "$[1]", error: expect.stringMatching(/truncated JSON/) })]);
  });
});

describe("json-actions variants", () => {
  it("a ```json fence, \"thoughts\", arguments as a JSON string, the observation's dict and Terminate", () => {
    const r = readAll(F("json-actions-fenced-thoughts.json"));
    expect(r.format).toBe("json-actions");
    expect(r.errors).toEqual([]);
    expect(r.traces[0].question).toBe("How many cups are on the table?");
    expect(stepShapes(r.traces[0])).toEqual([
      { reasoning: "Detect cups." },
      { call: "LocalizeObjects", args: { image: "image-0", objects: ["cup"] } },
      { result: { image: "image-1", regions: [{ label: "cup", bbox: [0.1, 0.2, 0.3, 0.4], score: 0.88 }, { label: "cup", bbox: [0.5, 0.2, 0.6, 0.4], score: 0.8 }] } },
      { reasoning: "Two cups." },
      { answer: "2" },
    ]);
  });

  it("the reply stored as an object, and a single \"action\"", () => {
    const r = readAll(F("json-actions-object-content.json"));
    expect(r.format).toBe("json-actions");
    expect(r.errors).toEqual([]);
    expect(stepShapes(r.traces[0]).filter((s) => typeof s === "object" && s !== null && "call" in s)).toEqual([{ call: "detect", args: { query: "man" } }, { call: "detect", args: { query: "horse" } }]);
    expect(r.traces[0].finalAnswer).toBe("yes");
  });

  it("a conversation cut inside its last reply fails on that turn", () => {
    const r = readAll(F("json-actions-truncated.json"));
    expect(r.format).toBe("json-actions");
    expect(r.traces).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ path: "$[3].content", error: expect.stringContaining("truncated") })]);
  });

  it("ShareGPT records: several actions in a turn warn, a chain without Terminate has no answer", () => {
    const r = readAll(F("json-actions-sharegpt.jsonl"));
    expect(r.errors).toEqual([]);
    expect(r.traces.map((t) => [t.externalId, t.image, t.finalAnswer])).toEqual([["t-1", "pic.jpg", "0"], ["t-2", null, null]]);
    expect(r.warnings).toEqual([expect.objectContaining({ message: expect.stringContaining("2 actions in one turn") })]);
  });
});

describe("verifiers variants", () => {
  it("tool_calls with ids, a system prompt, an inline image and \\boxed{} after <think>", () => {
    const r = readAll(F("verifiers-tool-calls.jsonl"));
    expect(r.format).toBe("verifiers");
    expect(r.errors).toEqual([]);
    expect(r.images).toHaveLength(1);
    const [t] = r.traces;
    expect(t).toMatchObject({ question: "Is there a dog left of the bike?", answer: "yes", finalAnswer: "yes", image: r.images[0].name });
    expect(stepShapes(t).slice(0, 3)).toEqual([{ call: "detect", args: { query: "dog" } }, { result: [{ id: "obj_2" }] }, { reasoning: "the dog is at x=10, bike x=50" }]);
  });

  it("strings for prompt and completion; a line without a completion is an error naming it", () => {
    const r = readAll(F("verifiers-strings-missing-completion.jsonl"));
    expect(r.traces.map((t) => stepShapes(t))).toEqual([[{ reasoning: "I see 3 apples." }, { answer: "3" }]]);
    expect(r.errors).toEqual([expect.objectContaining({ line: 2, path: "$", error: expect.stringContaining('expected a verifiers rollout {"prompt", "completion"') })]);
  });
});

describe("openai-agents variants", () => {
  it("a JSON array, spans out of order, dict input and output, an error span, a Responses-shaped generation output", () => {
    const r = readAll(F("openai-agents-array.json"));
    expect(r.format).toBe("openai-agents");
    expect(r.errors).toEqual([]);
    const [t] = r.traces;
    expect(t).toMatchObject({ externalId: "trace_abc", question: "Is the vase on the shelf?", answer: "yes", finalAnswer: "yes", teacherModel: "gpt-4o" });
    expect(stepShapes(t)).toEqual([
      { call: "detect", args: { query: "vase" } },
      { result: { boxes: [[1, 2, 3, 4]] } },
      { call: "relate", args: { object: "obj_0", relation: "above" } },
      { result: { error: 'Error running tool: {"error":"no such object"}' } },
      { reasoning: "The vase sits on the shelf." },
      { answer: "yes" },
    ]);
  });

  it("spans without their trace item are grouped by trace_id; a span without one is an error on its line", () => {
    const r = readAll(F("openai-agents-spans-only.jsonl"));
    expect(r.traces.map((t) => [t.externalId, t.question, t.finalAnswer])).toEqual([["trace_x", "How many chairs?", "There are 4 chairs."]]);
    expect(stepShapes(r.traces[0])[0]).toEqual({ call: "count", args: { objects: ["obj_1", "obj_2", "obj_3", "obj_4"] } });
    expect(r.errors).toEqual([{ line: 3, path: "$.trace_id", error: "expected the span's trace_id" }]);
  });

  it("a trace with its spans nested; response spans with input parts (image included) and output text", () => {
    const r = readAll(F("openai-agents-nested-responses.jsonl"));
    expect(r.errors).toEqual([]);
    expect(r.images).toHaveLength(1);
    expect(r.traces[0]).toMatchObject({ question: "Which object is bigger, the bed or the lamp?", image: r.images[0].name, finalAnswer: "The bed is bigger." });
    expect(stepShapes(r.traces[0]).slice(0, 2)).toEqual([{ call: "compare", args: { a: "obj_0", b: "obj_1", attribute: "size" } }, { result: { a_larger: true } }]);
  });
});

describe("nothing recognised", () => {
  it("a JSON array of records no format knows is refused naming the file and the formats tried", () => {
    expect(() => detectFormat(F("nothing-recognised.json"), "nothing-recognised.json")).toThrow(/nothing-recognised\.json: cannot tell the format: .*react-chat.*name one with --format/);
  });
});
