import { describe, expect, it } from "vitest";
import { ROW_BUILDERS, ROW_SCHEMAS } from "@/lib/formats/export/registry";
import { turnsOf } from "@/lib/formats/export/messages";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";
import { exportConfig, type ExportConfigInput, type ExportFormat } from "@/lib/schemas/exports";
import { callProblems, renderStrict, renderWithTools } from "@/fixtures/chat-templates/render";

// Exported chat rows rendered through real Jinja chat templates: a strict one that raises unless
// roles alternate (as Mistral / Gemma templates do), and a tool-calling one; the arguments of every
// call parse to exactly what the tool accepts. Traces of several shapes, not just the scripted one.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are plain JSON
type Row = Record<string, any>;

let id = 0;
function step(kind: ExportStep["kind"], extra: Partial<ExportStep> = {}): ExportStep {
  const index = id++;
  return {
    id: index + 1, index, kind, revision: 0, text: null, tool: null, callId: null, args: null, argsJson: extra.args ? JSON.stringify(extra.args) : null, resultJson: null,
    label: { value: "good", source: "verifier", human: null, humanSource: null, verifier: "pass" }, ...extra,
  };
}

function trace(steps: ExportStep[]): ExportTrace {
  return {
    id: 1, externalId: "t", dataset: "d", question: "How many red things are left of the cube?", answer: "2", method: "direct", teacherModel: null,
    image: { name: "a.png", sha256: "ab".repeat(32), file: null, url: null, mime: "image/png" }, steps, judgment: { value: "good", source: "verifier" },
    quality: 1, valid: true, verifierVersion: 1, relations: ["left"], relationClass: "projective", split: "train",
  };
}

const SHAPES: Record<string, () => ExportStep[]> = {
  "plan, two calls with reasoning between, answer": () => [
    step("plan", { text: "Detect red things, relate to the cube, count." }),
    step("tool_call", { tool: "detect", callId: "c1", args: { query: "red" } }),
    step("tool_result", { callId: "c1", resultJson: '[{"id":"obj_0","label":"cube","box":[1,2,3,4]}]' }),
    step("reasoning", { text: "obj_0 is red." }),
    step("tool_call", { tool: "relate", callId: "c2", args: { object: "obj_1", relation: "left" } }),
    step("tool_result", { callId: "c2", resultJson: '["obj_0"]' }),
    step("tool_call", { tool: "count", callId: "c3", args: { objects: ["obj_0"] } }),
    step("tool_result", { callId: "c3", resultJson: "1" }),
    step("reasoning", { text: "One thing." }),
    step("answer", { text: "1" }),
  ],
  "two calls in one turn, answered in order (parallel calls)": () => [
    step("tool_call", { tool: "detect", callId: "a", args: { query: "cube" } }),
    step("tool_call", { tool: "filter", callId: "b", args: { objects: ["obj_1"], attribute: "color", value: "red" } }),
    step("tool_result", { callId: "a", resultJson: "[]" }),
    step("tool_result", { callId: "b", resultJson: "[]" }),
    step("answer", { text: "0" }),
  ],
  "calls without ids, a text on the call, no plan": () => [
    step("tool_call", { tool: "detect", text: "BOX0=LOC(image=IMAGE,object='cube')", args: { query: "" } }),
    step("tool_result", { resultJson: "[]" }),
    step("tool_call", { tool: "count", args: { objects: [] } }),
    step("tool_result", { resultJson: "0" }),
    step("answer", { text: "0" }),
  ],
  "a result no call asked for, then text only": () => [
    step("reasoning", { text: "Looking." }),
    step("tool_result", { callId: "ghost", resultJson: "3" }),
    step("reasoning", { text: "Three." }),
    step("answer", { text: "3" }),
  ],
};

const context = (config: ExportConfigInput) => ({ config: exportConfig.parse(config), images: config.images === "none" ? [] : ["images/ab/a.png"], imageUrl: null });

describe("chat rows pass a strict chat template", () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    for (const images of ["reference", "none"] as const) {
      it(`${name} (images ${images}): trl-sft, openai, kto and dpo`, () => {
        const t = trace(shape());
        for (const format of ["trl-sft", "openai", "kto"] as ExportFormat[]) {
          const [row] = ROW_BUILDERS[format]({ trace: t }, context({ datasets: ["d"], format, images })).rows as Row[];
          ROW_SCHEMAS[format].parse(row);
          const messages = format === "kto" ? [...row.prompt, ...row.completion] : row.messages;
          expect(() => renderStrict(messages), `${format}`).not.toThrow();
          expect(callProblems(messages), format).toEqual([]);
          const rendered = renderWithTools(messages, row.tools);
          expect(rendered).not.toMatch(/"[a-z_]+": null/);
          // every step's text is rendered, in order
          let at = 0;
          for (const s of t.steps.filter((x) => x.text)) {
            const found = rendered.indexOf(s.text!, at);
            expect(found, `${format}: ${s.text}`).toBeGreaterThanOrEqual(at);
            at = found;
          }
        }
        const rejected = { ...t, externalId: "r", judgment: { value: "bad" as const, source: "verifier" } };
        const [dpo] = ROW_BUILDERS.dpo({ trace: t, rejected, pair: "group" }, context({ datasets: ["d"], format: "dpo", images })).rows as Row[];
        ROW_SCHEMAS.dpo.parse(dpo);
        expect(() => renderStrict([...dpo.prompt, ...dpo.chosen])).not.toThrow();
        expect(() => renderStrict([...dpo.prompt, ...dpo.rejected])).not.toThrow();
      });
    }
  }

  it("the strict template does reject consecutive assistant messages (the old one-message-per-step layout)", () => {
    expect(() => renderStrict([{ role: "user", content: "q" }, { role: "assistant", content: "a" }, { role: "assistant", content: "b" }])).toThrow(/alternate/);
    expect(() => renderStrict([{ role: "user", content: "q" }, { role: "tool", content: "1" }])).toThrow(/open call/);
  });

  it("arguments stay exactly what the tool accepts: no keys of other tools", () => {
    const [row] = ROW_BUILDERS["trl-sft"]({ trace: trace(SHAPES["plan, two calls with reasoning between, answer"]()) }, context({ datasets: ["d"], format: "trl-sft" })).rows as Row[];
    const calls = (row.messages as Row[]).flatMap((m) => m.tool_calls ?? []).map((c: Row) => [c.function.name, JSON.parse(c.function.arguments)]);
    expect(calls).toEqual([["detect", { query: "red" }], ["relate", { object: "obj_1", relation: "left" }], ["count", { objects: ["obj_0"] }]]);
  });

  it("turns: texts and calls up to a result are one turn", () => {
    id = 0;
    const turns = turnsOf(SHAPES["two calls in one turn, answered in order (parallel calls)"]());
    expect(turns.map((t) => `${t.role}:${t.steps.map((s) => s.index).join(",")}`)).toEqual(["assistant:0,1", "tool:2", "tool:3", "assistant:4"]);
  });
});
