import { describe, expect, it } from "vitest";
import { parsePairs } from "@/lib/spare/parse-pairs";

const list = [
  { question: "Where is the cup?", answer: "On the table." },
  { question: "Is the lamp left of the sofa?", answer: "Yes." },
];

describe("parsePairs", () => {
  it("reads a bare list, a fenced list and a list inside chatter", () => {
    expect(parsePairs(JSON.stringify(list))).toEqual({ ok: true, pairs: list, truncated: false, invalidItems: 0 });
    expect(parsePairs("```json\n" + JSON.stringify(list, null, 2) + "\n```").pairs).toEqual(list);
    expect(parsePairs(`Sure! Here are the pairs:\n${JSON.stringify(list)}\nLet me know if you need more [anything].`).pairs).toEqual(list);
    expect(parsePairs(`<think>The caption says [left] things…</think>\n${JSON.stringify(list)}`).pairs).toEqual(list);
  });

  it("recovers a truncated list to its last complete item", () => {
    const text = `Here you go:\n[{"question": "Where is the cup?", "answer": "On the table."}, {"question": "Is the lamp left of the sofa?", "answer": "Yes."}, {"question": "What is under the ta`;
    expect(parsePairs(text)).toEqual({ ok: true, pairs: list, truncated: true, invalidItems: 0 });
    expect(parsePairs("```json\n[\n  {\"question\": \"Where is the cup?\", \"answer\": \"On the table.\"},\n  {\"quest").pairs).toEqual([list[0]]);
  });

  it("accepts other models' shapes: an object holding the list, capitalised keys, JSON lines, trailing commas, non-string answers", () => {
    expect(parsePairs(JSON.stringify({ qa_pairs: list })).pairs).toEqual(list);
    expect(parsePairs(`[{"Question": "Is it on?", "Answer": true},]`).pairs).toEqual([{ question: "Is it on?", answer: "true" }]);
    expect(parsePairs(`{"q": "A?", "a": "B"}\n{"q": "C?", "a": "D"}`).pairs).toEqual([{ question: "A?", answer: "B" }, { question: "C?", answer: "D" }]);
    expect(parsePairs(`Answer: {"question": "Where?", "answer": "Here"}`).pairs).toEqual([{ question: "Where?", answer: "Here" }]);
  });

  it("counts invalid items and keeps the valid ones", () => {
    const result = parsePairs(JSON.stringify([list[0], { question: "no answer" }, "text", { question: "", answer: "x" }]));
    expect(result).toEqual({ ok: true, pairs: [list[0]], truncated: false, invalidItems: 3 });
  });

  it("reports unparseable answers", () => {
    expect(parsePairs("I cannot help with that.").ok).toBe(false);
    expect(parsePairs("[{\"question\": \"cut off").ok).toBe(false);
    expect(parsePairs("").ok).toBe(false);
    expect(parsePairs(JSON.stringify([{ foo: 1 }])).ok).toBe(false);
    expect(parsePairs("[]")).toEqual({ ok: true, pairs: [], truncated: false, invalidItems: 0 });
  });
});
