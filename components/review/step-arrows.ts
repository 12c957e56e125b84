import type { RelationArrow } from "@/components/canvas/geometry";
import type { StepDto } from "@/lib/schemas/traces";

// The relations a step claims, as arrows subject → reference object:
// relate(object=i, relation=r) with result J claims "j is r of i" for each j in J;
// check_relation(subject, relation, object) claims it with its boolean result;
// reasoning text claims "obj_3 is (to the) left of / right of / in front of / behind obj_5" (with "not").

const WORDS: Record<string, string> = { "left of": "left", "right of": "right", "in front of": "front", "front of": "front", behind: "behind" };
const CLAIM = /\b(obj_\d+(?:(?:,\s*|\s+and\s+)obj_\d+)*)\s+(?:is|are)\s+(not\s+)?(?:to the\s+)?(left of|right of|in front of|front of|behind)\s+(obj_\d+)/gi;

const index = (ref: unknown): number | null => {
  if (typeof ref === "number") return ref;
  const match = typeof ref === "string" ? /(\d+)$/.exec(ref) : null;
  return match ? Number(match[1]) : null;
};

export function stepArrows(step: StepDto, steps: StepDto[]): RelationArrow[] {
  const args = (step.args ?? {}) as Record<string, unknown>;
  const call = step.kind === "tool_result" ? steps.find((s) => s.kind === "tool_call" && s.callId === step.callId) : step;
  const result = step.kind === "tool_call" ? steps.find((s) => s.kind === "tool_result" && s.callId === step.callId && s.index > step.index)?.result : step.result;
  const callArgs = (call?.args ?? args) as Record<string, unknown>;
  if (call?.tool === "relate" && Array.isArray(result)) {
    const to = index(callArgs.object);
    const relation = String(callArgs.relation ?? "");
    return to === null ? [] : result.map(index).filter((j): j is number => j !== null).map((from) => ({ from, to, relation, holds: true }));
  }
  if (call?.tool === "check_relation") {
    const from = index(callArgs.subject);
    const to = index(callArgs.object);
    return from === null || to === null ? [] : [{ from, to, relation: String(callArgs.relation ?? ""), holds: result !== false }];
  }
  if (step.text) {
    const arrows: RelationArrow[] = [];
    for (const match of step.text.matchAll(CLAIM)) {
      const to = index(match[4]);
      const relation = WORDS[match[3].toLowerCase()];
      for (const subject of match[1].match(/obj_\d+/g) ?? []) {
        const from = index(subject);
        if (from !== null && to !== null) arrows.push({ from, to, relation, holds: !match[2] });
      }
    }
    return arrows;
  }
  return [];
}
