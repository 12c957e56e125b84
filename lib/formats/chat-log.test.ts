import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { questionImage, questionOf, readConversations, readMessage, type ChatMessage } from "@/lib/formats/chat-log";

function conversations(content: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chat-log-")), "log.jsonl");
  fs.writeFileSync(file, content);
  return [...readConversations({ file, progress: { bytes: 0 }, trusted: false })];
}

describe("messages in the shapes logs keep them", () => {
  it("OpenAI role / content (string or parts), ShareGPT from / value, roles by their aliases", () => {
    expect(readMessage({ role: "user", content: [{ type: "text", text: "a" }, { type: "input_text", text: "b" }, { type: "image_url", image_url: { url: "x.png" } }] }, "$[0]", 3)).toMatchObject({
      role: "user", text: "a\nb", line: 3, parts: [{ type: "text" }, { type: "text" }, { type: "image", ref: { kind: "name", name: "x.png" }, at: "$[0].content[2].image_url.url" }],
    });
    expect(readMessage({ from: "gpt", value: "hello" }, "$.conversations[1]", 1)).toMatchObject({ role: "assistant", text: "hello" });
    expect(readMessage({ from: "human", value: "<image>\nq" }, "$", 1)).toMatchObject({ role: "user" });
    expect(readMessage({ role: "developer", content: "rules" }, "$", 1)).toMatchObject({ role: "system" });
    expect(readMessage({ role: "assistant", content: null, tool_calls: [] }, "$", 1)).toMatchObject({ role: "assistant", text: "" });
  });

  it("the question after the last request marker, without the framework's instruction or image placeholders", () => {
    const prompt = "Tools: …\n# EXAMPLE\n# USER REQUEST #: <img> Is there a dog?\n# RESULT #:\nTHOUGHT 0: …\n\n# USER REQUEST #:\nimage-0: <image>\nHow many spheres?\nNow please generate your response:\n";
    expect(questionOf(prompt)).toEqual({ question: "How many spheres?", marked: true });
    expect(questionOf("Find x.Now please generate only THOUGHT 0 and ACTION 0 in RESULT.")).toEqual({ question: "Find x.", marked: false });
    expect(questionOf("<image>\nWhat color is the cube?")).toEqual({ question: "What color is the cube?", marked: false });
  });

  it("the question's image: the first part after the marker; else an <img> tag", () => {
    const message = readMessage({ role: "user", content: [{ type: "image_url", image_url: { url: "example.png" } }, { type: "text", text: "# USER REQUEST #: " }, { type: "image_url", image_url: { url: "real.png" } }] }, "$[0]", 1) as ChatMessage;
    expect(questionImage(message)?.ref).toEqual({ kind: "name", name: "real.png" });
    const tagged = readMessage({ role: "user", content: "image-0: <img \"/data/tasks/CLEVR_train_000781.png\">\nHow many?" }, "$[0]", 1) as ChatMessage;
    expect(questionImage(tagged)?.ref).toEqual({ kind: "name", name: "CLEVR_train_000781.png" });
  });
});

describe("containers", () => {
  it("a one-line JSON array of records (LLaVA layout) gives one conversation per record, paths prefixed", () => {
    const records = [{ id: "a", conversations: [{ from: "human", value: "q1" }] }, { id: "b", conversations: [{ from: "human", value: "q2" }, { from: "robot", value: "?" }] }];
    const items = conversations(`${JSON.stringify(records)}\n`);
    expect(items[0]).toMatchObject({ unit: "1[0]", root: "$[0].conversations", meta: { id: "a" }, messages: [{ at: "$[0].conversations[0]", text: "q1" }] });
    expect(items[1]).toEqual({ type: "error", unit: "1[1]", line: 1, path: "$[1].conversations[1].from", error: expect.stringMatching(/^unknown role "robot"/) });
  });

  it("messages one per line: a system message after others starts a new conversation; a bad line fails its own", () => {
    const lines = [
      { role: "system", content: "s" }, { role: "user", content: "q1" }, { role: "assistant", content: "a1" },
      { role: "system", content: "s" }, { role: "user", content: "q2" },
    ].map((m) => JSON.stringify(m));
    lines.splice(4, 0, "{broken");
    const items = conversations(`${lines.join("\n")}\n`);
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ line: 1, unit: "1", messages: [{ line: 1 }, { line: 2 }, { line: 3 }] });
    expect(items[1]).toMatchObject({ type: "error", unit: "4", line: 5, path: "$" });
  });

  it("a record without messages is named for what it lacks", () => {
    expect(conversations('{"id": 1, "text": "hello"}\n')).toEqual([{ type: "error", unit: "1", line: 1, path: "$", error: 'expected a conversation: an array of messages or a record with "messages", "conversation", "conversations"' }]);
  });
});
