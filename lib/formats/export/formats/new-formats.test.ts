import { describe, expect, it } from "vitest";
import { mmPrm, mmPrmRow, PRM_TOKEN } from "@/lib/formats/export/formats/mm-prm";
import { visualProcessBench, visualProcessBenchRow } from "@/lib/formats/export/formats/visualprocessbench";
import type { ExportStep, ExportTrace, LabelValue } from "@/lib/formats/export/types";
import { exportConfig, type ExportConfigInput } from "@/lib/schemas/exports";

// The two formats added through the ExportFormatDefinition contract: their rows, field by field.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are plain JSON, read field by field
type Row = Record<string, any>;

function s(index: number, kind: ExportStep["kind"], label: LabelValue | null, extra: Partial<ExportStep> = {}): ExportStep {
  return {
    id: index + 1, index, kind, revision: 0, text: null, tool: null, callId: null, args: null, argsJson: null, resultJson: null,
    label: { value: label, source: label ? "human" : null, human: label, humanSource: label ? "human" : null, verifier: null },
    ...extra,
  };
}

function trace(labels: Array<LabelValue | null>, overrides: Partial<ExportTrace> = {}): ExportTrace {
  const steps = [
    s(0, "plan", labels[0], { text: "Find the sphere, then relate." }),
    s(1, "tool_call", labels[1], { tool: "relate", callId: "c1", args: { object: "obj_1", relation: "left" }, argsJson: '{"object":"obj_1","relation":"left"}' }),
    s(2, "tool_result", labels[2], { callId: "c1", resultJson: '["obj_2"]' }),
    s(3, "reasoning", labels[3], { text: "obj_2 is left of obj_1, so 1." }),
    s(4, "answer", labels[4], { text: "1" }),
  ];
  return {
    id: 3, externalId: "t-3", dataset: "clevr-demo", question: "How many things are left of the sphere?", answer: "1", method: "direct", teacherModel: "teacher-x",
    image: { name: "a.png", sha256: "ab".repeat(32), file: null, url: null, mime: "image/png" }, steps,
    judgment: { value: "bad", source: "human" }, quality: 0.7, valid: false, verifierVersion: 1, relations: ["left"], relationClass: "projective", split: "train",
    ...overrides,
  };
}

const context = (config: ExportConfigInput, images = ["images/ab/x.png"]) => ({ config: exportConfig.parse(config), images, imageUrl: images[0] ?? null });

describe("visualprocessbench", () => {
  it("one row per trace: image list, question, answer, response.steps and process_correctness 1 / 0 / -1", () => {
    const built = visualProcessBench.build({ trace: trace(["good", "good", "bad", "neutral", "good"]) }, context({ datasets: ["d"], format: "visualprocessbench" }));
    expect(built.rows).toHaveLength(1);
    const row = built.rows[0] as Row;
    visualProcessBenchRow.parse(row);
    expect(Object.keys(row)).toEqual(["image", "question", "answer", "response", "policy_model", "data_source", "meta"]);
    expect(row.image).toEqual(["images/ab/x.png"]);
    expect(row.question).toBe("How many things are left of the sphere?");
    expect(row.answer).toBe("1");
    expect(row.response.steps).toEqual([
      "Find the sphere, then relate.",
      'Call relate({"object":"obj_1","relation":"left"})',
      'Result of relate: ["obj_2"]',
      "obj_2 is left of obj_1, so 1.",
      "Answer: 1",
    ]);
    expect(row.response.process_correctness).toEqual([1, 1, -1, 0, 1]);
    expect(row.policy_model).toBe("teacher-x");
    expect(row.data_source).toBe("clevr-demo");
    expect(row.meta.step_label_sources).toEqual(["human", "human", "human", "human", "human"]);
  });

  it("truncation keeps the first wrong step; no images gives an empty list; an unknown answer is null", () => {
    const built = visualProcessBench.build({ trace: trace(["good", "bad", "good", "good", "good"], { answer: null, teacherModel: null }) }, context({ datasets: ["d"], format: "visualprocessbench", truncateAfterFirstError: true, images: "none" }, []));
    const row = built.rows[0] as Row;
    visualProcessBenchRow.parse(row);
    expect(row.response.process_correctness).toEqual([1, -1]);
    expect(row.image).toEqual([]);
    expect(row.answer).toBeNull();
    expect(row.policy_model).toBe("direct");
  });

  it("the schema refuses rows a VisualProcessBench reader would trip on", () => {
    const row = visualProcessBench.build({ trace: trace(["good", "good", "good", "good", "good"]) }, context({ datasets: ["d"], format: "visualprocessbench" })).rows[0] as Row;
    expect(visualProcessBenchRow.safeParse({ ...row, response: { ...row.response, process_correctness: [1, 1] } }).success).toBe(false);
    expect(visualProcessBenchRow.safeParse({ ...row, response: { ...row.response, process_correctness: [1, 1, 1, 1, 2] } }).success).toBe(false);
    expect(visualProcessBenchRow.safeParse({ ...row, image: "a.png" }).success).toBe(false);
    expect(() => visualProcessBench.build({ trace: trace(["good", null, "good", "good", "good"]) }, context({ datasets: ["d"], format: "visualprocessbench" }))).toThrow(/unlabeled/);
  });
});

describe("mm-prm", () => {
  it("a human turn 'Question: …\\nProcess: …' with <prm> after every step, and one numeric label per <prm>", () => {
    const row = mmPrm.build({ trace: trace(["good", "good", "bad", "neutral", "good"]) }, context({ datasets: ["d"], format: "mm-prm" })).rows[0] as Row;
    mmPrmRow.parse(row);
    expect(Object.keys(row)).toEqual(["id", "image", "conversations", "meta"]);
    expect(row.id).toBe("t-3");
    expect(row.image).toBe("images/ab/x.png");
    const [human, gpt] = row.conversations;
    expect(human.from).toBe("human");
    expect(human.value).toBe(
      "Question: How many things are left of the sphere?\nProcess: Find the sphere, then relate.<prm>Call relate({\"object\":\"obj_1\",\"relation\":\"left\"})<prm>Result of relate: [\"obj_2\"]<prm>obj_2 is left of obj_1, so 1.<prm>Answer: 1<prm>",
    );
    expect(gpt).toEqual({ from: "gpt", value: [1, 1, 0, 1, 1] });
  });

  it("float labels put neutral at 0.5; neutral negative counts it wrong; without images there is no image key", () => {
    const labels = ["good", "neutral", "bad", "good", "good"] as const;
    const float = mmPrm.build({ trace: trace([...labels]) }, context({ datasets: ["d"], format: "mm-prm", labelType: "float" })).rows[0] as Row;
    expect(float.conversations[1].value).toEqual([1, 0.5, 0, 1, 1]);
    const negative = mmPrm.build({ trace: trace([...labels]) }, context({ datasets: ["d"], format: "mm-prm", neutral: "negative", images: "none" }, [])).rows[0] as Row;
    expect(negative.conversations[1].value).toEqual([1, 0, 0, 1, 1]);
    expect("image" in negative).toBe(false);
    mmPrmRow.parse(negative);
  });

  it("a step whose text contains the separator token cannot shift the labels", () => {
    const t = trace(["good", "good", "good", "bad", "good"]);
    t.steps[3] = { ...t.steps[3], text: `tricky ${PRM_TOKEN} text` };
    const row = mmPrm.build({ trace: t }, context({ datasets: ["d"], format: "mm-prm" })).rows[0] as Row;
    mmPrmRow.parse(row);
    expect(row.conversations[0].value.split(PRM_TOKEN)).toHaveLength(6);
    expect(mmPrmRow.safeParse({ ...row, conversations: [row.conversations[0], { from: "gpt", value: [1, 1] }] }).success).toBe(false);
  });
});
