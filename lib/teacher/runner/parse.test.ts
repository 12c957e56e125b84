import { describe, expect, it } from "vitest";
import { fromPythonLiteral, parseArguments, parseTurn, repairTruncated, splitAnswer } from "@/lib/teacher/runner/parse";

// Shapes real servers send, written from their documentation and logs rather than from the
// parser: whitespace, key order, several calls, nested quotes, cut-off and Python-quoted args.

const calls = (content: string | null, extra: Record<string, unknown> = {}) => parseTurn({ role: "assistant", content, ...extra });

describe("parseArguments", () => {
  it("reads JSON strings, objects and empty args", () => {
    expect(parseArguments('{"query": "red cube"}')).toMatchObject({ args: { query: "red cube" }, via: [] });
    expect(parseArguments('  {\n  "object" :"obj_3",\t"attribute":"color" }  ')).toMatchObject({ args: { object: "obj_3", attribute: "color" } });
    expect(parseArguments({ object: "obj_1" })).toMatchObject({ args: { object: "obj_1" }, raw: '{"object":"obj_1"}', via: ["object_args"] });
    expect(parseArguments("")).toMatchObject({ args: {} });
    expect(parseArguments(undefined)).toMatchObject({ args: {} });
  });

  it("repairs arguments cut off before their closing brackets, and counts it", () => {
    expect(parseArguments('{"objects": ["obj_1", "obj_2"')).toMatchObject({ args: { objects: ["obj_1", "obj_2"] }, via: ["repaired_args"] });
    expect(parseArguments('{"object": "obj_4", "relation": "lef')).toMatchObject({ args: { object: "obj_4", relation: "lef" }, via: ["repaired_args"] });
    expect(parseArguments('{"a": {"b": [1, {"c": "x}')).toMatchObject({ args: { a: { b: [1, { c: "x}" }] } } });
    expect(parseArguments('{"object": "obj_4",')).toMatchObject({ args: { object: "obj_4" }, via: ["repaired_args"] });
    expect(parseArguments('{"object": "obj_4", "relation":')).toMatchObject({ args: { object: "obj_4" } });
    const raw = '{"query": "cube';
    expect(parseArguments(raw).raw).toBe(raw);
  });

  it("reads Python-dict quoting (single quotes, True/False/None, trailing commas)", () => {
    expect(parseArguments("{'object': 'obj_2', 'attribute': 'size'}")).toMatchObject({ args: { object: "obj_2", attribute: "size" }, via: ["python_args"] });
    expect(parseArguments("{'flag': True, 'other': None, 'no': False,}")).toMatchObject({ args: { flag: true, other: null, no: false } });
    expect(parseArguments(`{'query': "the \\"big\\" one", 'note': 'it\\'s'}`)).toMatchObject({ args: { query: 'the "big" one', note: "it's" } });
    expect(parseArguments("{'objects': ['obj_1', 'obj_2'")).toMatchObject({ args: { objects: ["obj_1", "obj_2"] }, via: ["python_args", "repaired_args"] });
  });

  it("double-encoded JSON is unwrapped", () => {
    expect(parseArguments(JSON.stringify(JSON.stringify({ object: "obj_0" })))).toMatchObject({ args: { object: "obj_0" } });
  });

  it("keeps anything unreadable verbatim", () => {
    for (const raw of ["object=obj_3", "[1, 2]", "42", "{oops: ]"]) {
      const parsed = parseArguments(raw);
      expect(parsed.args).toBeNull();
      expect(parsed.raw).toBe(raw);
      expect(parsed.via).toEqual(["unparseable_args"]);
    }
  });

  it("repairTruncated leaves complete or malformed text alone", () => {
    expect(repairTruncated('{"a": 1}')).toBeNull();
    expect(repairTruncated('{"a": [1}')).toBeNull();
    expect(repairTruncated("no json")).toBeNull();
    expect(fromPythonLiteral('{"a": 1}')).toBeNull();
  });
});

describe("parseTurn", () => {
  it("native tool_calls: several, string or object arguments, missing ids", () => {
    const turn = calls("Let me look.", {
      tool_calls: [
        { id: "call_a", type: "function", function: { name: "detect", arguments: '{"query":"red things"}' } },
        { type: "function", function: { arguments: { object: "obj_1", attribute: "shape" }, name: "get_attribute" } },
      ],
    });
    expect(turn.text).toBe("Let me look.");
    expect(turn.calls).toMatchObject([
      { id: "call_a", name: "detect", args: { query: "red things" }, argsRaw: '{"query":"red things"}' },
      { id: null, name: "get_attribute", args: { object: "obj_1", attribute: "shape" } },
    ]);
    expect(turn.fallbacks).toEqual(["object_args"]);
  });

  it("native call with cut-off arguments is repaired and counted", () => {
    const turn = calls(null, { tool_calls: [{ id: "c1", function: { name: "relate", arguments: '{"object": "obj_2", "relation": "left"' } }] });
    expect(turn.calls[0]).toMatchObject({ name: "relate", args: { object: "obj_2", relation: "left" } });
    expect(turn.fallbacks).toContain("repaired_args");
  });

  it("Hermes / Qwen <tool_call> blocks, several, with text around and odd spacing", () => {
    const content = `I will first find the cubes.\n<tool_call>\n{"name": "detect", "arguments": {"query": "cube"}}\n</tool_call>\n<tool_call>{"arguments":{"query":"sphere"},"name":"detect"}</tool_call>`;
    const turn = calls(content);
    expect(turn.text).toBe("I will first find the cubes.");
    expect(turn.calls.map((c) => [c.name, c.args])).toEqual([["detect", { query: "cube" }], ["detect", { query: "sphere" }]]);
    expect(turn.fallbacks.filter((f) => f === "hermes")).toHaveLength(2);
  });

  it("a Hermes block cut off by max_tokens (no closing tag, no closing braces)", () => {
    const turn = calls('Checking.\n<tool_call>\n{"name": "get_attribute", "arguments": {"object": "obj_7", "attribute": "col');
    expect(turn.calls[0]).toMatchObject({ name: "get_attribute", args: { object: "obj_7", attribute: "col" } });
    expect(turn.fallbacks).toEqual(expect.arrayContaining(["hermes", "repaired_args"]));
  });

  it("a Hermes block with arguments as a JSON string inside, nested quotes", () => {
    const turn = calls('<tool_call>{"name": "detect", "arguments": "{\\"query\\": \\"the \\\\\\"big\\\\\\" cube\\"}"}</tool_call>');
    expect(turn.calls[0]).toMatchObject({ name: "detect", args: { query: 'the "big" cube' } });
  });

  it("fenced ```json blocks, with and without the language tag", () => {
    const one = calls('Step 1: count.\n```json\n{ "name" : "count", "arguments" : { "objects" : ["obj_0", "obj_3"] } }\n```');
    expect(one.calls[0]).toMatchObject({ name: "count", args: { objects: ["obj_0", "obj_3"] } });
    expect(one.text).toBe("Step 1: count.");
    expect(one.fallbacks).toContain("fenced");
    const two = calls('```\n{"function": {"name": "detect", "arguments": "{\\"query\\": \\"metal\\"}"}}\n```');
    expect(two.calls[0]).toMatchObject({ name: "detect", args: { query: "metal" } });
  });

  it("a fence that holds plain JSON data (not a call) stays text", () => {
    const turn = calls('The result was:\n```json\n{"count": 3}\n```\nAnswer: 3');
    expect(turn.calls).toEqual([]);
    expect(turn.text).toContain('{"count": 3}');
  });

  it("JSON-in-text agents: {thought, actions:[{name, arguments}]} in any key order", () => {
    const turn = calls('{"actions": [{"arguments": {"query": "cylinder"}, "name": "detect"}, {"name": "count", "arguments": {"objects": []}}], "thought": "Find cylinders, then count."}');
    expect(turn.text).toBe("Find cylinders, then count.");
    expect(turn.calls.map((c) => c.name)).toEqual(["detect", "count"]);
    expect(turn.fallbacks).toContain("json_actions");
  });

  it("agent objects with action / action_input (LangChain-style) and a lead-in sentence", () => {
    const turn = calls('Thinking about it.\n{"thought": "need colour", "action": {"name": "get_attribute", "args": {"object": "obj_1", "attribute": "color"}}}');
    expect(turn.calls[0]).toMatchObject({ name: "get_attribute", args: { object: "obj_1", attribute: "color" } });
    expect(turn.text).toContain("need colour");
    const lc = calls('{"action": "detect", "action_input": {"query": "yellow"}}');
    expect(lc.calls[0]).toMatchObject({ name: "detect", args: { query: "yellow" } });
  });

  it("Python-quoted call inside Hermes tags", () => {
    const turn = calls("<tool_call>{'name': 'detect', 'arguments': {'query': 'rubber', 'exact': True}}</tool_call>");
    expect(turn.calls[0]).toMatchObject({ name: "detect", args: { query: "rubber", exact: true } });
    expect(turn.fallbacks).toContain("python_args");
  });

  it("an unreadable call block is kept verbatim, not dropped", () => {
    const turn = calls('<tool_call>{"name": "relate", "arguments": object=obj_1, relation=left}</tool_call>');
    expect(turn.calls).toHaveLength(1);
    expect(turn.calls[0]).toMatchObject({ name: "relate", args: null });
    expect(turn.calls[0].argsRaw).toContain("object=obj_1");
    expect(turn.fallbacks).toContain("unparseable_args");
  });

  it("a native call with unparseable arguments keeps the raw string", () => {
    const turn = calls(null, { tool_calls: [{ id: "x", function: { name: "detect", arguments: "query: red" } }] });
    expect(turn.calls[0]).toMatchObject({ name: "detect", args: null, argsRaw: "query: red" });
  });

  it("plain text is a final turn; thinking is kept as reasoning ahead of the visible text", () => {
    expect(calls("There are 3 cubes.\nAnswer: 3")).toEqual({ text: "There are 3 cubes.\nAnswer: 3", calls: [], fallbacks: [] });
    expect(calls("<think>hmm</think>Answer: yes")).toEqual({ text: "hmm\n\nAnswer: yes", calls: [], fallbacks: ["think"] });
    const reasoning = parseTurn({ role: "assistant", content: "", reasoning_content: "So the answer is 2.\nAnswer: 2" });
    expect(reasoning.text).toContain("Answer: 2");
    expect(reasoning.fallbacks).toEqual(["reasoning_content"]);
  });

  it("calls inside thinking are not calls: <think> blocks, a bare </think>, an unclosed <think>, reasoning_content", () => {
    const call = '<tool_call>{"name": "detect", "arguments": {"query": "cube"}}</tool_call>';
    const inThink = calls(`<think>Maybe ${call} first?</think>There are no cubes.\nAnswer: 0`);
    expect(inThink.calls).toEqual([]);
    expect(inThink.text).toContain("Answer: 0");
    expect(inThink.text).toContain("Maybe");
    // Qwen3's template opens <think> in the prompt: only the closing tag arrives
    const bare = calls(`I could call ${call} but I know it.</think>\nAnswer: 2`);
    expect(bare.calls).toEqual([]);
    expect(bare.fallbacks).toEqual(["think"]);
    // cut off while thinking
    expect(calls(`<think>Let me try ${call}`).calls).toEqual([]);
    // DeepSeek / vLLM reasoning parsers: thinking in reasoning_content (or `reasoning`), a real call in content
    const separate = parseTurn({ role: "assistant", content: call, reasoning_content: `I should use ${call.replace("cube", "sphere")}` });
    expect(separate.calls).toHaveLength(1);
    expect(separate.calls[0].args).toEqual({ query: "cube" });
    expect(separate.text).toContain("I should use");
    expect(separate.fallbacks).toEqual(["reasoning_content", "hermes"]);
    const openrouter = parseTurn({ role: "assistant", content: "Answer: 1", reasoning: "one sphere" });
    expect(openrouter.text).toBe("one sphere\n\nAnswer: 1");
  });

  it("Llama 3.1 <|python_tag|> calls: JSON with parameters, several, and the built-in tools' call syntax", () => {
    const one = calls('<|python_tag|>{"name": "filter_color", "parameters": {"color": "red"}}<|eom_id|>');
    expect(one.calls).toEqual([{ id: null, name: "filter_color", argsRaw: '{"color":"red"}', args: { color: "red" }, via: ["python_tag"] }]);
    expect(one.text).toBe("");
    const two = calls('Looking.<|python_tag|>{"name": "detect", "parameters": {"query": "cube"}}; {"name": "detect", "parameters": {"query": "sphere"}}');
    expect(two.calls.map((c) => c.args)).toEqual([{ query: "cube" }, { query: "sphere" }]);
    expect(two.text).toBe("Looking.");
    const builtin = calls('<|python_tag|>brave_search.call(query="red cube", count=2)<|eom_id|>');
    expect(builtin.calls[0]).toMatchObject({ name: "brave_search", args: { query: "red cube", count: 2 }, via: ["python_tag"] });
  });

  it("Mistral [TOOL_CALLS]: a JSON list (ids kept), and the v11 name[ARGS]{…} form", () => {
    const list = calls('[TOOL_CALLS][{"name": "detect", "arguments": {"query": "cube"}, "id": "a1b2c3d4e"}, {"name": "count", "arguments": {"objects": ["obj_1"]}}]</s>');
    expect(list.calls.map((c) => [c.id, c.name, c.args])).toEqual([["a1b2c3d4e", "detect", { query: "cube" }], [null, "count", { objects: ["obj_1"] }]]);
    expect(list.fallbacks).toEqual(["mistral", "mistral"]);
    const v11 = calls('I will look.[TOOL_CALLS]detect[ARGS]{"query": "cube"}[TOOL_CALLS]get_color[CALL_ID]x9[ARGS]{"object": "obj_2"}');
    expect(v11.calls.map((c) => [c.id, c.name, c.args])).toEqual([[null, "detect", { query: "cube" }], ["x9", "get_color", { object: "obj_2" }]]);
    expect(v11.text).toBe("I will look.");
  });

  it("pythonic call lists (Llama 3.2+, vLLM's pythonic parser) and flattened native calls", () => {
    const py = calls('[detect(query="cube"), get_relation(a="obj_1", b="obj_2", exact=True)]');
    expect(py.calls.map((c) => [c.name, c.args])).toEqual([["detect", { query: "cube" }], ["get_relation", { a: "obj_1", b: "obj_2", exact: true }]]);
    expect(py.fallbacks).toEqual(["pythonic", "pythonic"]);
    const flat = calls(null, { tool_calls: [{ id: "c1", name: "detect", arguments: { query: "cube" } }] });
    expect(flat.calls[0]).toMatchObject({ id: "c1", name: "detect", args: { query: "cube" } });
  });

  it("content as an array of parts is read as its text and counted", () => {
    const turn = parseTurn({ role: "assistant", content: [{ type: "text", text: "Two cubes.\n" }, { type: "text", text: "Answer: 2" }] as unknown as string });
    expect(turn).toEqual({ text: "Two cubes.\nAnswer: 2", calls: [], fallbacks: ["content_parts"] });
  });

  it("empty content and no calls is an empty turn", () => {
    expect(calls(null)).toEqual({ text: "", calls: [], fallbacks: [] });
    expect(calls("   ")).toEqual({ text: "", calls: [], fallbacks: [] });
  });
});

describe("splitAnswer", () => {
  it.each([
    ["The red cube is left of it.\nAnswer: yes", "yes", "The red cube is left of it."],
    ["So there are two.\n\n**Final Answer:** 2", "2", "So there are two."],
    ["Reasoning.\nfinal answer: Cylinder.", "Cylinder", "Reasoning."],
    ["It is metal. <answer>metal</answer>", "metal", "It is metal."],
    ["Counting gives \\boxed{4}", "4", "Counting gives"],
    ['{"thought": "two spheres", "answer": 2}', "2", "two spheres"],
    ["The answer is: no", "no", ""],
  ])("%j → %j", (text, answer, reasoning) => {
    const split = splitAnswer(text);
    expect(split.answer).toBe(answer);
    expect(split.reasoning).toBe(reasoning);
    expect(split.marked).toBe(true);
  });

  it("without a marker the last line is the answer, flagged unmarked", () => {
    expect(splitAnswer("I counted.\n3")).toEqual({ reasoning: "I counted.", answer: "3", marked: false });
  });
});
