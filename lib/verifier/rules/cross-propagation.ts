import { parseObjectId } from "@/lib/tools/scene";
import { idKey, type IdKey } from "@/lib/verifier/compare";
import type { RuleDefinition } from "@/lib/verifier/rule";

/** idKey of a list of object references, skipping what is not one (as cross.propagation reads them). */
function refsKey(refs: readonly unknown[]): IdKey {
  let mask = 0;
  for (const ref of refs) {
    const id = parseObjectId(ref);
    if (id === null) continue;
    if (id > 30) {
      const ids: number[] = [];
      for (const r of refs) {
        const k = parseObjectId(r);
        if (k !== null) ids.push(k);
      }
      return idKey(ids);
    }
    mask |= 1 << id;
  }
  return mask;
}

export const crossPropagation: RuleDefinition<"cross.propagation"> = {
  id: "cross.propagation",
  scope: "cross",
  kinds: ["tool_call"],
  needs: {},
  description: "Object ids, id lists and variables a call uses were produced by earlier tool results (a reasoning step may restate or regroup them, not introduce new ones).",
  defaults: { enabled: true, weight: 1 },
  evaluate: (p) => {
    const { tool, args, producedSets, producedIds, callIds } = p;
    if (!tool) return p.skip("unknown tool");
    let checked = 0;
    let missing: unknown[] | null = null;
    if (tool.objectArgs) {
      for (const key in tool.objectArgs) {
        const value = args[key];
        if (value === undefined) continue;
        if (tool.objectArgs[key] === "objects") {
          if (!Array.isArray(value)) continue;
          checked++;
          if (!producedSets.includes(refsKey(value))) {
            const ids: number[] = [];
            for (const ref of value) {
              const id = parseObjectId(ref);
              if (id !== null) ids.push(id);
            }
            (missing ??= []).push(ids.map((id) => `obj_${id}`));
          }
        } else {
          const id = parseObjectId(value);
          if (id === null) continue;
          checked++;
          if (!producedIds.has(id)) (missing ??= []).push(`obj_${id}`);
        }
      }
    }
    if (tool.variableRefs) {
      for (const variable of tool.variableRefs(args)) {
        checked++;
        // produced: the image, or the id of an earlier call (its output variable)
        if (variable !== "IMAGE" && !(variable !== "" && callIds.get(variable)?.call)) (missing ??= []).push(variable);
      }
    }
    if (checked === 0) p.skip("the call uses no earlier values");
    else if (missing === null) p.pass("uses only values earlier steps produced");
    else p.fail(`uses ${missing.map((m) => JSON.stringify(m)).join(", ")}, which no earlier step produced`, { expected: "ids, id lists and variables produced by earlier steps", found: missing });
  },
};
