import { describe, expect, it } from "vitest";
import { stepArrows } from "@/components/review/step-arrows";
import type { StepDto } from "@/lib/schemas/traces";

const step = (partial: Partial<StepDto>): StepDto => ({ id: 1, index: 0, kind: "reasoning", text: null, tool: null, callId: null, args: null, result: null, refs: [], revision: 0, version: 1, ...partial });

describe("stepArrows", () => {
  it("reads relate calls with their results", () => {
    const call = step({ id: 1, index: 1, kind: "tool_call", tool: "relate", callId: "c2", args: { object: "obj_1", relation: "left" } });
    const result = step({ id: 2, index: 2, kind: "tool_result", callId: "c2", result: ["obj_4", "obj_6"] });
    const expected = [{ from: 4, to: 1, relation: "left", holds: true }, { from: 6, to: 1, relation: "left", holds: true }];
    expect(stepArrows(call, [call, result])).toEqual(expected);
    expect(stepArrows(result, [call, result])).toEqual(expected);
  });

  it("reads relation claims in reasoning text, with negation and lists", () => {
    const text = "obj_4 and obj_6 are left of obj_1, obj_2 is not to the right of obj_5; obj_3 is behind obj_0.";
    expect(stepArrows(step({ text }), [])).toEqual([
      { from: 4, to: 1, relation: "left", holds: true },
      { from: 6, to: 1, relation: "left", holds: true },
      { from: 2, to: 5, relation: "right", holds: false },
      { from: 3, to: 0, relation: "behind", holds: true },
    ]);
  });

  it("reads check_relation with its boolean result", () => {
    const call = step({ index: 0, kind: "tool_call", tool: "check_relation", callId: "c1", args: { subject: "obj_2", relation: "front", object: "obj_0" } });
    const result = step({ id: 2, index: 1, kind: "tool_result", callId: "c1", result: false });
    expect(stepArrows(call, [call, result])).toEqual([{ from: 2, to: 0, relation: "front", holds: false }]);
  });
});
