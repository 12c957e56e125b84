import { describe, expect, it } from "vitest";
import { parsePairs, pythonToJson } from "@/lib/spare/parse-pairs";

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

  describe("other models' phrasing", () => {
    const two = [
      { question: "Where is the cup?", answer: "On the table." },
      { question: "Is the lamp to the left of the sofa?", answer: "Yes, it is." },
    ];
    const ok = (raw: string, pairs = two, extra: Partial<ReturnType<typeof parsePairs>> = {}) => expect(parsePairs(raw), raw).toEqual({ ok: true, pairs, truncated: false, invalidItems: 0, ...extra });

    it("JSON keys q / a, Question / Answer, QUESTION_TEXT, and wrappers (qa_pairs, an unknown key, questions as keys)", () => {
      ok(`[{"q": "Where is the cup?", "a": "On the table."}, {"Q": "Is the lamp to the left of the sofa?", "A": "Yes, it is."}]`);
      ok(`[{"Question": "Where is the cup?", "Answer": "On the table."}, {"Question": "Is the lamp to the left of the sofa?", "Answer": "Yes, it is."}]`);
      ok(JSON.stringify({ qa_pairs: two.map((p) => ({ Question: p.question, Answer: p.answer })) }));
      ok(JSON.stringify({ spatial_questions: two.map((p) => ({ question_text: p.question, answer_text: p.answer })), count: 2 }));
      ok(JSON.stringify({ "Where is the cup?": "On the table.", "Is the lamp to the left of the sofa?": "Yes, it is." }));
    });

    it("numbered text: Q1: … A1: …, on separate lines, on one line, with Question 1. / Answer 1.", () => {
      ok("Q1: Where is the cup?\nA1: On the table.\n\nQ2: Is the lamp to the left of the sofa?\nA2: Yes, it is.");
      ok("Here are some questions.\n\nQ1: Where is the cup? A1: On the table.\nQ2: Is the lamp to the left of the sofa? A2: Yes, it is.\n\nI hope this helps!");
      ok("Question 1: Where is the cup?\nAnswer 1: On the table.\nQuestion 2: Is the lamp to the left of the sofa?\nAnswer 2: Yes, it is.");
      ok("1. Q: Where is the cup?\n   A: On the table.\n2. Q: Is the lamp to the left of the sofa?\n   A: Yes, it is.");
    });

    it("markdown bullet lists: bold markers, question and answer on one line, the answer on the next line", () => {
      ok("Sure:\n\n- **Question:** Where is the cup?\n  **Answer:** On the table.\n- **Question:** Is the lamp to the left of the sofa?\n  **Answer:** Yes, it is.\n");
      ok("* **Q:** Where is the cup? **A:** On the table.\n* **Q:** Is the lamp to the left of the sofa? **A:** Yes, it is.");
      ok("1. Where is the cup? — On the table.\n2. Is the lamp to the left of the sofa? Yes, it is.");
      ok("- Where is the cup?\n  - On the table.\n- Is the lamp to the left of the sofa?\n  - Yes, it is.");
    });

    it("a JSON list inside prose with a trailing remark that has brackets and braces of its own", () => {
      ok(`Based on the description, here are the pairs:\n\n${JSON.stringify(two, null, 2)}\n\nNote: I skipped the {unclear} part [about the window].`);
      ok(`Here you go: [not JSON] and then ${JSON.stringify(two)} — done.`);
    });

    it("single quotes (Python literals), apostrophes inside, True / None values", () => {
      ok(`[{'question': 'Where is the cup?', 'answer': 'On the table.'}, {'question': 'Is the lamp to the left of the sofa?', 'answer': 'Yes, it is.'}]`);
      ok(`Output: [{'question': "Where's the cup?", 'answer': 'It's on the table.'}]`, [{ question: "Where's the cup?", answer: "It's on the table." }]);
      ok(`[{'question': 'Is the cup on the table?', 'answer': True}, {'question': 'Is there a dog?', 'answer': None}]`, [{ question: "Is the cup on the table?", answer: "true" }], { invalidItems: 1 });
      expect(pythonToJson(`{'a': 'it\\'s', "b": 'x'}`)).toBe(`{"a": "it's", "b": "x"}`);
    });

    it("a truncated last item: JSON (double or single quotes) and text", () => {
      ok(`[{"q": "Where is the cup?", "a": "On the table."}, {"q": "Is the lamp to the left of the sofa?", "a": "Yes, it is."}, {"q": "What is under`, two, { truncated: true });
      ok(`[{'question': 'Where is the cup?', 'answer': 'On the table.'}, {'question': 'Is the lamp to the left of the sofa?', 'answer': 'Yes, it is.'}, {'question': 'What is und`, two, { truncated: true });
      ok("Q1: Where is the cup?\nA1: On the table.\nQ2: Is the lamp to the left of the sofa?\nA2: Yes, it is.\nQ3: What is under the", two, { truncated: true });
    });

    it("text that only looks like pairs stays unparseable", () => {
      expect(parsePairs("A cup is on the table. I could not write questions for this image.").ok).toBe(false);
      expect(parsePairs("Q: what do you mean?").ok).toBe(false);
    });
  });
});
