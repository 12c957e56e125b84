import { getTool } from "@/lib/tools/registry";
import { parseObjectId } from "@/lib/tools/scene";

// Object indices a step mentions: tool-call arguments (through the tool's own definition),
// ids in a tool result, and obj_3 / object 3 / #3 in text. Drives step↔box linking.

const TEXT_REF = /\b(?:obj_(\d+)|object\s+(\d+))\b|#(\d+)\b/gi;

export function textRefs(text: string): number[] {
  const found = new Set<number>();
  for (const match of text.matchAll(TEXT_REF)) found.add(Number(match[1] ?? match[2] ?? match[3]));
  return [...found];
}

function resultRefs(output: unknown, into: Set<number>, depth = 0): void {
  if (depth > 3 || output === null || output === undefined) return;
  if (typeof output === "string") {
    if (/^obj_\d+$/.test(output)) into.add(Number(output.slice(4)));
    return;
  }
  if (Array.isArray(output)) {
    for (const item of output) resultRefs(item, into, depth + 1);
    return;
  }
  if (typeof output === "object" && "id" in output) resultRefs((output as { id: unknown }).id, into, depth + 1);
}

export function stepRefs(step: { kind: string; tool?: string | null; args?: unknown; result?: unknown; text?: string | null }): number[] {
  const found = new Set<number>();
  if (step.kind === "tool_call" && step.tool && step.args && typeof step.args === "object") {
    const tool = getTool(step.tool);
    if (tool) {
      try {
        for (const ref of tool.referencedObjects(step.args as Record<string, unknown>).flat()) {
          const index = parseObjectId(ref);
          if (index !== null) found.add(index);
        }
      } catch {
        // malformed args: the verifier reports them; no refs to link
      }
    }
  }
  if (step.kind === "tool_result") resultRefs(step.result, found);
  if (step.text) for (const index of textRefs(step.text)) found.add(index);
  return [...found].sort((a, b) => a - b);
}
