import { describe, expect, it } from "vitest";
import { renderCard, type ExportSummary } from "@/lib/formats/export/card";
import { emptyAgreement } from "@/lib/formats/export/agreement";
import { ROW_BUILDERS, ROW_SCHEMAS } from "@/lib/formats/export/registry";
import { keptSteps } from "@/lib/formats/export/messages";
import { stringifyRow } from "@/lib/formats/export/rows";
import type { ExportStep, ExportTrace, LabelValue } from "@/lib/formats/export/types";
import { exportConfig, type ExportConfigInput } from "@/lib/schemas/exports";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are plain JSON, read field by field
type Row = Record<string, any>;

function s(index: number, kind: ExportStep["kind"], extra: Partial<ExportStep> = {}, label: LabelValue | null = "good"): ExportStep {
  return {
    id: index + 1, index, kind, revision: 0, text: null, tool: null, callId: null, args: null, argsJson: null, resultJson: null,
    label: { value: label, source: label ? "verifier" : null, human: null, humanSource: null, verifier: label === "bad" ? "fail" : label ? "pass" : null },
    ...extra,
  };
}

const args = { object: "obj_1", relation: "left" };
function trace(labels: Array<LabelValue | null> = []): ExportTrace {
  const steps = [
    s(0, "plan", { text: "Find the sphere, then relate." }),
    s(1, "tool_call", { tool: "relate", callId: "c1", args, argsJson: JSON.stringify(args) }),
    s(2, "tool_result", { callId: "c1", resultJson: JSON.stringify(["obj_2"]) }),
    s(3, "reasoning", { text: "obj_2 is left of obj_1." }),
    s(4, "answer", { text: "1" }),
  ].map((step, i) => (labels[i] === undefined ? step : { ...step, label: { ...step.label, value: labels[i]!, source: labels[i] ? "human" : null } }));
  return {
    id: 7, externalId: "t-7", dataset: "d", question: "How many things are left of the sphere?", answer: "1", method: "direct", teacherModel: "m",
    image: { name: "a.png", sha256: "ab".repeat(32), file: null, url: null, mime: "image/png" }, steps,
    judgment: { value: "good", source: "verifier" }, quality: 0.9, valid: true, verifierVersion: 2, relations: ["left"], relationClass: "projective", split: "train",
  };
}

const context = (config: ExportConfigInput) => ({ config: exportConfig.parse(config), images: ["images/ab/x.png"], imageUrl: "https://example.test/x.png" });

describe("row builders", () => {
  it("drop removes a wrong call together with its result; truncation keeps the first error", () => {
    const steps = trace([undefined as never, "bad"]).steps;
    expect(keptSteps(steps, { rejectedSteps: "drop", truncateAfterFirstError: false }).map((x) => x.index)).toEqual([0, 3, 4]);
    expect(keptSteps(trace([undefined as never, undefined as never, "bad"]).steps, { rejectedSteps: "drop", truncateAfterFirstError: false }).map((x) => x.index)).toEqual([0, 3, 4]);
    expect(keptSteps(steps, { rejectedSteps: "keep", truncateAfterFirstError: true }).map((x) => x.index)).toEqual([0, 1]);
  });

  it("TRL SFT: vision parts everywhere, one assistant message per turn, JSON-text arguments and tools, named tool turns", () => {
    const [row] = ROW_BUILDERS["trl-sft"]({ trace: trace() }, context({ datasets: ["d"], format: "trl-sft" })).rows as Row[];
    ROW_SCHEMAS["trl-sft"].parse(row);
    expect(row.messages[0]).toEqual({ role: "user", content: [{ type: "image" }, { type: "text", text: "How many things are left of the sphere?" }] });
    // the plan and the call it leads to are one teacher turn
    expect(row.messages[1]).toEqual({ role: "assistant", content: [{ type: "text", text: "Find the sphere, then relate." }], tool_calls: [{ type: "function", function: { name: "relate", arguments: JSON.stringify(args) } }] });
    expect(row.messages[2]).toEqual({ role: "tool", name: "relate", content: [{ type: "text", text: '["obj_2"]' }] });
    expect(row.messages[3]).toEqual({ role: "assistant", content: [{ type: "text", text: "obj_2 is left of obj_1.\n\n1" }] });
    expect(row.messages).toHaveLength(4);
    expect(row.meta.step_turns).toEqual([1, 1, 2, 3, 3]);
    expect(row.images).toEqual(["images/ab/x.png"]);
    expect(typeof row.tools).toBe("string");
    expect(JSON.parse(row.tools).map((t: { function: { name: string } }) => t.function.name)).toContain("relate");
    expect(row.tools).not.toContain("$schema");
    expect(stringifyRow(row)).toBe(JSON.stringify(row));
  });

  it("TRL SFT without images uses plain string content", () => {
    const [row] = ROW_BUILDERS["trl-sft"]({ trace: trace() }, { ...context({ datasets: ["d"], format: "trl-sft", images: "none" }), images: [] }).rows as Row[];
    ROW_SCHEMAS["trl-sft"].parse(row);
    expect(row.messages[0].content).toBe("How many things are left of the sphere?");
    expect("images" in row).toBe(false);
  });

  it("OpenAI: JSON-string arguments, tool_call_id, image_url, weight 0 on wrong turns when masking", () => {
    const built = ROW_BUILDERS.openai({ trace: trace([undefined as never, "bad"]) }, context({ datasets: ["d"], format: "openai", rejectedSteps: "mask" }));
    const row = built.rows[0] as Row;
    ROW_SCHEMAS.openai.parse(row);
    expect(row.messages[0].content[1]).toEqual({ type: "image_url", image_url: { url: "https://example.test/x.png" } });
    // the plan and the wrong call share a turn: the whole turn is masked
    expect(row.messages[1]).toEqual({ role: "assistant", content: "Find the sphere, then relate.", tool_calls: [{ id: "c1", type: "function", function: { name: "relate", arguments: JSON.stringify(args) } }], weight: 0 });
    expect(row.messages[2]).toEqual({ role: "tool", tool_call_id: "c1", content: '["obj_2"]' });
    expect(row.messages[3].weight).toBe(1);
    expect((built.sidecar![0] as Row).step_turns).toEqual([1, 1, 2, 3, 3]);
    expect(built.sidecar).toHaveLength(1);
    expect(Object.keys(row)).toEqual(["messages", "tools", "parallel_tool_calls"]);
  });

  it("PRM: one text completion and one label per step", () => {
    const [row] = ROW_BUILDERS["trl-prm"]({ trace: trace([undefined as never, undefined as never, undefined as never, "bad", "neutral"]) }, context({ datasets: ["d"], format: "trl-prm", neutral: "negative" })).rows as Row[];
    ROW_SCHEMAS["trl-prm"].parse(row);
    expect(row.completions).toEqual(["Find the sphere, then relate.", `Call relate(${JSON.stringify(args)})`, 'Result of relate: ["obj_2"]', "obj_2 is left of obj_1.", "Answer: 1"]);
    expect(row.labels).toEqual([true, true, true, false, false]);
  });

  it("offline RL: rewards from labels, discounted returns, done on the last step", () => {
    const rows = ROW_BUILDERS["offline-rl"]({ trace: trace([undefined as never, undefined as never, "bad", null]) }, context({ datasets: ["d"], format: "offline-rl", gamma: 0.5 })).rows as Row[];
    for (const row of rows) ROW_SCHEMAS["offline-rl"].parse(row);
    expect(rows.map((r) => r.reward)).toEqual([1, 1, -1, 0, 1]);
    // G4 = 1; G3 = 0 + .5; G2 = -1 + .25; G1 = 1 - .375; G0 = 1 + .3125
    expect(rows.map((r) => r.return)).toEqual([1.3125, 0.625, -0.75, 0.5, 1]);
    expect(rows.map((r) => r.done)).toEqual([false, false, false, false, true]);
    expect(rows[2].state).toHaveLength(2); // user, then the plan and the call as one turn
    expect(rows[2].action.role).toBe("tool");
  });

  it("KTO and DPO rows carry their labels and both sides' provenance", () => {
    const [kto] = ROW_BUILDERS.kto({ trace: trace() }, context({ datasets: ["d"], format: "kto" })).rows as Row[];
    ROW_SCHEMAS.kto.parse(kto);
    expect(kto.label).toBe(true);
    const rejected = { ...trace(), id: 8, externalId: "t-8", judgment: { value: "bad" as const, source: "human" } };
    const [dpo] = ROW_BUILDERS.dpo({ trace: trace(), rejected, pair: "group" }, context({ datasets: ["d"], format: "dpo" })).rows as Row[];
    ROW_SCHEMAS.dpo.parse(dpo);
    expect(dpo.meta.rejected.trace_id).toBe("t-8");
    expect(dpo.meta.pair).toBe("group");
  });
});

describe("dataset card", () => {
  it("has YAML configs for the non-empty splits and the figures", () => {
    const summary: ExportSummary = {
      title: "T",
      config: exportConfig.parse({ datasets: ["d"], format: "trl-prm", relationCaps: { projective: 5 } }),
      counts: { rows: 12, splits: { train: 10, test: 2 }, classes: { train: { projective: 10 }, test: { none: 2 } }, traces: 12, images: 3 },
      skipped: { duplicate: 4 },
      verifier: [{ dataset: "d", runId: 3, version: 2, name: "v2" }],
      labels: { steps: { human: 5, verifier: 55 }, traces: { verifier: 12 } },
      agreement: { ...emptyAgreement(), good_pass: 3, bad_fail: 1, bad_pass: 1 },
      files: [{ path: "data/train-00000-of-00001.jsonl", rows: 10, bytes: 1, sha256: "x" }],
      sources: [{ dataset: "d", license: "cc-by-4.0", attribution: "CLEVR v1.0 (Johnson et al. 2017)" }],
      warnings: ["The validation split is empty although 10% was asked."],
    };
    const card = renderCard(summary);
    const front = card.split("---")[1];
    expect(front).toContain("  - split: train\n    path: data/train-*.jsonl");
    expect(front).toContain("  - split: test\n    path: data/test-*.jsonl");
    expect(front).not.toContain("validation");
    expect(card).toContain("| projective (left, behind, above…) | 10 | 0 |");
    expect(card).toContain("duplicate image + question | 4");
    expect(card).toContain("| d | 2 | v2 | 3 |");
    expect(card).toContain("Agreement on accept/reject: 4 of 5 steps (80.0%)");
    expect(card).toContain("relation class caps: projective ≤ 5");
    expect(renderCard(summary)).toBe(card);
    expect(front).toContain("license: cc-by-4.0");
    expect(card).toContain("| d | cc-by-4.0 | CLEVR v1.0 (Johnson et al. 2017) |");
    expect(card).toContain("- The validation split is empty although 10% was asked.");
    // two licences → other; a dataset without one → unknown, and the card says how to set it
    expect(renderCard({ ...summary, sources: [...summary.sources, { dataset: "e", license: "apache-2.0", attribution: null }] })).toContain("license: other");
    const unknown = renderCard({ ...summary, sources: [{ dataset: "d", license: null, attribution: null }] });
    expect(unknown).toContain("license: unknown");
    expect(unknown).toContain("stepwise datasets license NAME ID");
  });
});
