import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readAll, stepShapes } from "@/lib/formats/agent-log-items";
import { observationOutput } from "@/lib/formats/react-chat";

const F = (p: string) => path.resolve("fixtures/agent-logs/react-chat", p);
const tmp = (name: string, content: string | Buffer) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "react-chat-")), name);
  fs.writeFileSync(file, content);
  return file;
};

describe("react-chat: the Visual Sketchpad shape", () => {
  const { format, traces, images, errors, warnings } = readAll(F("clevr-781-sketchpad.json"));

  it("is detected, and reads the question after the last request marker and the image before it", () => {
    expect(format).toBe("react-chat");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(traces).toHaveLength(1);
    const [trace] = traces;
    expect(trace).toMatchObject({ question: "How many cylinders are left of the small gray cylinder?", finalAnswer: "2", format: "react-chat", method: "direct", externalId: expect.stringMatching(/^react-chat-[0-9a-f]{16}$/) });
    // the bare base64 AutoGen stores is the CLEVR PNG: one image record with its bytes, named by content
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ name: trace.image, width: 480, height: 320 });
    expect(images[0].data?.equals(fs.readFileSync("prisma/demo/clevr/CLEVR_train_000781.png"))).toBe(true);
    // the stored record points at the image instead of carrying 260 kB of base64
    expect(trace.raw.length).toBeLessThan(10_000);
    expect(trace.raw).toContain(`"url": "stepwise:image/${trace.image}"`);
  });

  it("maps THOUGHT / ACTION cells / OBSERVATION / ANSWER onto steps, with tool calls and a code step", () => {
    expect(stepShapes(traces[0])).toEqual([
      { reasoning: "I first need to find the small gray cylinder." },
      { call: "detect", args: { query: "small gray cylinder" } },
      { result: [{ id: "obj_1", label: "cylinder", box: [242, 171, 30, 30] }] },
      { reasoning: "The small gray cylinder is obj_1. Next, the objects to its left." },
      { call: "relate", args: { object: "obj_1", relation: "left" } },
      { result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] },
      { reasoning: "Among those I keep the cylinders." },
      { call: "filter", args: { objects: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"], attribute: "shape", value: "cylinder" } },
      { result: ["obj_0", "obj_8"] },
      { reasoning: "I count them to be sure." },
      { call: "python", args: { argsRaw: "n = len(cylinders)\nprint(n)" } },
      { result: 2 },
      { reasoning: "obj_0 and obj_8 are the cylinders left of obj_1." },
      { reasoning: "Two cylinders are left of the small gray cylinder, so the answer is 2." },
      { answer: "2" },
    ]);
    // the cell's source, comment and print included, is the call's text
    expect(traces[0].steps[1].text).toBe('# the reference object\ngray_cylinder = detect("small gray cylinder")\nprint(gray_cylinder)');
  });

  it("reads the same file identically twice (pass 2 is trusted and skips warnings only)", () => {
    const again = readAll(F("clevr-781-sketchpad.json"), "react-chat", { trusted: true });
    expect(again.traces).toEqual(traces);
  });
});

describe("react-chat: variations", () => {
  const { traces, images, errors, warnings } = readAll(F("variations.jsonl"));
  const byQuestion = (start: string) => traces.find((t) => t.question.startsWith(start))!;

  it("reads every line, warning about the base64 that is not an image and the observation the model wrote", () => {
    expect(errors).toEqual([]);
    expect(traces).toHaveLength(6);
    expect(warnings).toEqual([
      { line: 2, message: expect.stringMatching(/^\$\[2\]\.content\[1\]\.image_url\.url: data: URI \(image\/png\) is not a PNG, JPEG, GIF or WebP image .*; the image is not stored \(the message text is kept\)$/) },
      { line: 3, message: "$[1].content: the model wrote its own OBSERVATION; replaced by the executed one from the next user turn" },
    ]);
  });

  it("lowercase, unnumbered keywords; a call written inline; no TERMINATE", () => {
    expect(stepShapes(byQuestion("How many objects are right"))).toEqual([
      { reasoning: "the yellow cube is obj_6; I list what is right of it." },
      { call: "relate", args: { object: "obj_6", relation: "right" } },
      { result: ["obj_1", "obj_2", "obj_4", "obj_5", "obj_7"] },
      { reasoning: "five objects." },
      { call: "count", args: { objects: ["obj_1", "obj_2", "obj_4", "obj_5", "obj_7"] } },
      { result: 5 },
      { reasoning: "the count confirms it." },
      { answer: "5" },
    ]);
  });

  it("markdown keywords, a ```py cell, two images in the question (the first is the trace's), Final Answer", () => {
    const trace = byQuestion("Compare the two pictures");
    expect(trace.question).toBe("Compare the two pictures: is the large red sphere right of the yellow cube in the first one?");
    expect(images.map((i) => [i.name, i.width, i.height])).toEqual([
      [trace.image, 2, 2],
      [expect.stringMatching(/\.png$/), 3, 3],
    ]);
    expect(stepShapes(trace)).toEqual([
      { reasoning: "I check the relation directly." },
      { call: "check_relation", args: { subject: "obj_4", relation: "right", object: "obj_6" } },
      { result: true },
      { reasoning: "obj_4 is right of obj_6." },
      { answer: "yes" },
    ]);
  });

  it("an OBSERVATION the model wrote is replaced by the executed one; an execution error is {error}", () => {
    expect(stepShapes(byQuestion("Which material"))).toEqual([
      { reasoning: "Read the attributes of obj_4." },
      { call: "get_attributes", args: { object: "obj_4" } },
      { result: { error: "Exit code: 1, Output:\nNameError: name 'obj_4' is not defined" } },
      { reasoning: "The id must be a string." },
      { call: "get_attributes", args: { object: "obj_4" } },
      { result: { color: "red", size: "large", shape: "sphere", material: "metal" } },
      { reasoning: "It is metal." },
      { answer: "metal" },
    ]);
  });

  it("tools the prompt declares keep their names and parameter names; code around them is a code step; <img> names the image", () => {
    const trace = byQuestion("Is the red balloon");
    expect(trace.image).toBe("balloons.jpg");
    expect(stepShapes(trace)).toEqual([
      { reasoning: "I detect both balloons." },
      { call: "detection", args: { image: "image_1", objects: ["red balloon", "white balloon"] } },
      { call: "python", args: { argsRaw: "for i, box in enumerate(image_1_boxes):\n    print(i, box)" } },
      // the cell's output answers its last tool call
      { result: "0 [0.61, 0.52, 0.02, 0.03]\n1 [0.59, 0.47, 0.02, 0.03]" },
      { reasoning: "Box 0 (red) is lower than box 1 (white)." },
      { reasoning: "no, the red balloon is below the white one. So the answer is (B)." },
      { answer: "(B)" },
    ]);
    expect(trace.steps[1].callId).toBe(trace.steps[3].callId);
  });

  it("OpenAI tool_calls and tool messages in a bare array; a tool unknown to the registry keeps its name", () => {
    expect(stepShapes(byQuestion("What color is the large cylinder"))).toEqual([
      { call: "relate", args: { object: "obj_1", relation: "left" } },
      { result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] },
      { reasoning: "obj_0 is the large cylinder among them." },
      { call: "lookup_color", args: { object: "obj_0" } },
      { result: "red" },
      { reasoning: "It is red." },
      { answer: "red" },
    ]);
  });

  it("Action / Action Input in chat turns; a user turn without keyword answers the waiting call", () => {
    expect(stepShapes(byQuestion("Is obj_9 a sphere"))).toEqual([
      { reasoning: "I read obj_9's attributes." },
      { call: "get_attributes", args: { object: "obj_9" } },
      { result: { color: "yellow", size: "large", shape: "sphere", material: "rubber" } },
      { reasoning: "its shape is sphere." },
      { answer: "yes" },
    ]);
  });
});

describe("react-chat: containers", () => {
  it("one message per JSONL line; a system message starts the next conversation", () => {
    const { traces, errors } = readAll(F("messages-per-line.jsonl"));
    expect(errors).toEqual([]);
    expect(traces.map((t) => [t.question, t.finalAnswer, t.steps.length])).toEqual([
      ["How many spheres are there?", "4", 5],
      ["Are obj_2 and obj_7 the same color?", "yes", 5],
    ]);
  });

  it("{messages} records carry id, image, ground truth and model", () => {
    const { traces } = readAll(F("wrapped-clevr-781.jsonl"));
    expect(traces.map((t) => ({ id: t.externalId, image: t.image, answer: t.answer, model: t.teacherModel, final: t.finalAnswer }))).toEqual([
      { id: "rc-781-0001", image: "CLEVR_train_000781.png", answer: "2", model: "gpt-4o-2024-05-13", final: "2" },
      { id: "rc-781-0002", image: "CLEVR_train_000781.png", answer: "large", model: "gpt-4o-2024-05-13", final: "large" },
    ]);
    // a subscript of a call's value is computed: code, not a call
    expect(stepShapes(traces[1])[4]).toEqual({ call: "python", args: { argsRaw: 'print(get_attributes(object="obj_5")["size"])' } });
  });

  it("a bare array on one line, and a JSONL line per conversation, read alike", () => {
    const array = [{ role: "user", content: "How many spheres?" }, { role: "assistant", content: "Thought: count them.\nAction: count(['obj_2', 'obj_3'])" }, { role: "user", content: "Observation: 2" }, { role: "assistant", content: "Answer: 2" }];
    const one = readAll(tmp("one.json", JSON.stringify(array)));
    const lines = readAll(tmp("lines.jsonl", `${JSON.stringify(array)}\n${JSON.stringify(array)}\n`));
    expect(one.traces.map(stepShapes)).toEqual([[{ reasoning: "count them." }, { call: "count", args: { objects: ["obj_2", "obj_3"] } }, { result: 2 }, { answer: "2" }]]);
    expect(lines.traces).toHaveLength(2);
  });

  it("JSONL lines longer than the detection window (inline images) are still one conversation each", () => {
    const png = fs.readFileSync("prisma/demo/clevr/CLEVR_train_000781.png").toString("base64");
    const line = (q: string) => JSON.stringify([{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }, { type: "text", text: q }] }, { role: "assistant", content: "ANSWER: 2" }]);
    const { format, traces, images } = readAll(tmp("images.jsonl", `${line("First?")}\n${line("Second?")}\n`));
    expect(format).toBe("react-chat");
    expect(traces.map((t) => [t.question, t.image])).toEqual([
      ["First?", images[0].name],
      ["Second?", images[0].name],
    ]);
  });
});

describe("react-chat: malformed input, located", () => {
  it("truncated document: the conversation being read fails on the line the document ends", () => {
    const { traces, errors } = readAll(F("bad/truncated.json"), "react-chat");
    expect(traces).toEqual([]);
    expect(errors).toEqual([{ unit: "2", line: 12, path: "$[2]", error: "truncated JSON: the document ends inside $[2], which starts on line 10" }]);
  });

  it("wrong types", () => {
    expect(readAll(F("bad/wrong-types.jsonl"), "react-chat").errors).toEqual([
      { unit: "1", line: 1, path: "$[1].content", error: "expected the content as a string or a list of parts, found 42" },
      { unit: "2", line: 2, path: "$[1].role", error: 'unknown role "robot" (expected system, user, assistant or tool; human / gpt as ShareGPT writes them)' },
      { unit: "3", line: 3, path: "$.messages[0]", error: 'expected a message {"role", "content"}, found "How many spheres?"' },
    ]);
  });

  it("missing fields: no role, no question, an action that is no action, an observation answering nothing", () => {
    expect(readAll(F("bad/missing-fields.jsonl"), "react-chat").errors).toEqual([
      { unit: "1", line: 1, path: "$[0].role", error: 'expected the message\'s "role" (system, user, assistant, tool) or ShareGPT "from"' },
      { unit: "2", line: 2, path: "$", error: "expected a user message with the question" },
      { unit: "3", line: 3, path: "$[1].content", error: expect.stringMatching(/^ACTION: cannot read the action "I zoom in on the left half of the image\.": expected a ```python cell, tool\(arg=value, …\)/) },
      { unit: "4", line: 4, path: "$[2].content", error: "tool result answers no call: an OBSERVATION with no ACTION before it" },
    ]);
  });

  it("wrong encoding and a huge line are reported on their lines", () => {
    expect(readAll(F("bad/latin1-line-2.jsonl"), "react-chat").errors).toEqual([{ line: 2, path: "$", error: "line is not valid UTF-8" }]);
    const ok = JSON.stringify([{ role: "user", content: "How many?" }, { role: "assistant", content: "ANSWER: 4" }]);
    const huge = tmp("huge.jsonl", `${ok}\n${JSON.stringify([{ role: "user", content: "x".repeat(9 * 1024 * 1024) }])}\n`);
    expect(readAll(huge, "react-chat").errors).toEqual([{ line: 2, path: "$", error: "line is longer than the 8388608-byte limit" }]);
  });
});

describe("observation text", () => {
  it("drops the framework's boilerplate and reads literals", () => {
    expect(observationOutput("Execution success. The output is as follows:\n['obj_1']\n\nPlease generate the next THOUGHT and ACTION.")).toEqual(["obj_1"]);
    expect(observationOutput("Execution error. Exit code: 1, Output:\nKeyError: 'x'\nPlease fix the error and generate the fixed code.")).toEqual({ error: "Exit code: 1, Output:\nKeyError: 'x'" });
    expect(observationOutput("Execution success. The output is as follows:\n")).toBeNull();
    expect(observationOutput("Maximum flow value: 10")).toBe("Maximum flow value: 10");
  });
});
