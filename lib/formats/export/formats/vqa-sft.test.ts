import { describe, expect, it } from "vitest";
import { vqaAnswer, vqaSft, vqaSftRow } from "@/lib/formats/export/formats/vqa-sft";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";
import { exportConfig, type ExportConfigInput } from "@/lib/schemas/exports";
import { renderStrict } from "@/fixtures/chat-templates/render";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are plain JSON, read field by field
type Row = Record<string, any>;

function step(index: number, kind: ExportStep["kind"], text: string | null): ExportStep {
  return {
    id: index + 1, index, kind, revision: 0, text, tool: null, callId: null, args: null, argsJson: null, resultJson: null,
    label: { value: "good", source: "external:spare-review", human: "good", humanSource: "external:spare-review", verifier: null },
  };
}

function trace(overrides: Partial<ExportTrace> = {}): ExportTrace {
  return {
    id: 9, externalId: "spare-1-42", dataset: "spare-demo", question: "Is the cup on the table?", answer: "Yes, the cup is on the table.", method: "spare", teacherModel: "rules",
    image: { name: "cup.jpg", sha256: "cd".repeat(32), file: null, url: null, mime: "image/jpeg" }, steps: [step(0, "answer", "Yes, the cup is on the table.")],
    judgment: { value: "good", source: "external:spare-review" }, quality: null, valid: null, verifierVersion: null, relations: ["on"], relationClass: "topological", split: "train",
    ...overrides,
  };
}

const context = (config: Omit<ExportConfigInput, "datasets" | "format">, images = ["images/cd/cup.jpg"]) => ({ config: exportConfig.parse({ datasets: ["d"], format: "vqa-sft", ...config }), images, imageUrl: images[0] ?? null });

describe("vqa-sft", () => {
  it("one user turn (image part + question) and one assistant answer, TRL vision layout", () => {
    const built = vqaSft.build({ trace: trace() }, context({}));
    expect(built.rows).toHaveLength(1);
    const row = built.rows[0] as Row;
    expect(vqaSftRow.safeParse(row).success).toBe(true);
    expect(Object.keys(row)).toEqual(["messages", "images", "meta"]);
    expect(row.messages).toEqual([
      { role: "user", content: [{ type: "image" }, { type: "text", text: "Is the cup on the table?" }] },
      { role: "assistant", content: [{ type: "text", text: "Yes, the cup is on the table." }] },
    ]);
    expect(row.images).toEqual(["images/cd/cup.jpg"]);
    expect(row.meta).toMatchObject({ trace_id: "spare-1-42", relations: ["on"], relation_class: "topological", step_kinds: ["answer"], judgment: "good" });
  });

  it("without images: string contents and no images column; a system prompt comes first", () => {
    const row = vqaSft.build({ trace: trace() }, context({ images: "none", systemPrompt: "Answer briefly." }, [])).rows[0] as Row;
    expect(vqaSftRow.safeParse(row).success).toBe(true);
    expect(row.images).toBeUndefined();
    expect(row.messages).toEqual([
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "Is the cup on the table?" },
      { role: "assistant", content: "Yes, the cup is on the table." },
    ]);
  });

  it("a trace with tool steps teaches only its final answer; with none, the ground truth", () => {
    const tool = trace({ steps: [step(0, "plan", "Look at the cup."), step(1, "reasoning", "It rests on the table."), step(2, "answer", "yes")], answer: "Yes" });
    const row = vqaSft.build({ trace: tool }, context({})).rows[0] as Row;
    expect(row.messages[1].content).toEqual([{ type: "text", text: "yes" }]);
    expect(row.meta.step_index).toEqual([2]);
    expect(vqaAnswer(trace({ steps: [step(0, "reasoning", "thinking")], answer: "3" }))).toBe("3");
    expect(vqaAnswer(trace({ steps: [step(0, "reasoning", "thinking")], answer: null }))).toBe("thinking");
  });

  it("multi-turn: the traces of one image as one conversation, strictly alternating, the image once in the first user turn", () => {
    const second = trace({ id: 10, externalId: "spare-1-43", question: "What is to the left of the cup?", answer: "A spoon.", steps: [step(0, "answer", "A spoon.")], relations: ["left"], relationClass: "projective" });
    const third = trace({ id: 11, externalId: "spare-1-44", question: "Is the cup under the table?", answer: "No, the cup is on the table.", steps: [step(0, "answer", "No, the cup is on the table.")] });
    for (const [images, systemPrompt] of [["copy", undefined], ["none", undefined], ["copy", "Answer briefly."], ["none", "Answer briefly."]] as const) {
      const built = vqaSft.build({ trace: trace(), turns: [second, third] }, context({ turns: "multi", images, ...(systemPrompt ? { systemPrompt } : {}) }, images === "none" ? [] : ["images/cd/cup.jpg"]));
      expect(built.rows).toHaveLength(1);
      const row = built.rows[0] as Row;
      expect(vqaSftRow.safeParse(row).success, `${images} ${systemPrompt}`).toBe(true);
      const turns = row.messages.filter((m: Row) => m.role !== "system");
      expect(turns.map((m: Row) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
      // the real strict template (raises unless user / assistant alternate) renders every question
      expect(renderStrict(row.messages)).toBe(`${systemPrompt ? "<system>" : ""}${"<user><assistant>".repeat(3)}`);
      const text = (m: Row) => (typeof m.content === "string" ? m.content : m.content.filter((p: Row) => p.type === "text").map((p: Row) => p.text).join(""));
      expect(turns.map(text)).toEqual(["Is the cup on the table?", "Yes, the cup is on the table.", "What is to the left of the cup?", "A spoon.", "Is the cup under the table?", "No, the cup is on the table."]);
      const imageParts = row.messages.flatMap((m: Row) => (Array.isArray(m.content) ? m.content.filter((p: Row) => p.type === "image") : []));
      expect(imageParts).toHaveLength(images === "none" ? 0 : 1);
      if (images !== "none") expect(turns[0].content[0]).toEqual({ type: "image" });
      expect(row.meta.turn_trace_ids).toEqual(["spare-1-42", "spare-1-43", "spare-1-44"]);
      expect(row.meta.relations).toEqual(["on", "left"]);
    }
    // single-turn (the default) ignores grouped turns; multi-turn is refused on other formats, naming the field
    expect((vqaSft.build({ trace: trace(), turns: [second] }, context({})).rows[0] as Row).messages).toHaveLength(2);
    const refused = exportConfig.safeParse({ datasets: ["d"], format: "trl-sft", turns: "multi" });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]).toMatchObject({ path: ["turns"], message: expect.stringContaining("vqa-sft") });
    // a single-question image is a one-turn conversation
    const alone = vqaSft.build({ trace: trace() }, context({ turns: "multi" })).rows[0] as Row;
    expect(alone.messages).toHaveLength(2);
    expect(alone.meta.turn_trace_ids).toEqual(["spare-1-42"]);
  });
});
