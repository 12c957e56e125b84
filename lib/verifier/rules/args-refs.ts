import { parseObjectId } from "@/lib/tools/scene";
import { NO_SCENE, type RuleDefinition } from "@/lib/verifier/rule";

/** Why `ref` names no object of a scene of `objectCount` objects; null when it names one. */
function unknownRef(ref: unknown, objectCount: number): string | null {
  const id = parseObjectId(ref);
  if (id === null) return `${JSON.stringify(ref)} is not an object id`;
  return id >= objectCount ? `obj_${id}` : null;
}

export const argsRefs: RuleDefinition<"args.refs"> = {
  id: "args.refs",
  scope: "step",
  kinds: ["tool_call"],
  needs: { scene: true },
  description: "Every object the call names exists in the scene.",
  defaults: { enabled: true, weight: 1 },
  evaluate: (p) => {
    const objectArgs = p.tool?.objectArgs;
    if (!objectArgs) return p.skip("the call names no objects");
    const scene = p.scene;
    if (!scene) return p.skip(NO_SCENE);
    const { args } = p;
    const objectCount = scene.objects.length;
    let refs = 0;
    let unknown: string[] | null = null;
    for (const key in objectArgs) {
      const value = args[key];
      if (value === undefined) continue;
      if (objectArgs[key] === "objects" && Array.isArray(value)) {
        for (const ref of value) {
          refs++;
          const problem = unknownRef(ref, objectCount);
          if (problem !== null) (unknown ??= []).push(problem);
        }
      } else {
        refs++;
        const problem = unknownRef(value, objectCount);
        if (problem !== null) (unknown ??= []).push(problem);
      }
    }
    if (refs === 0) p.skip("the call names no objects");
    else if (unknown === null) p.pass("every object exists");
    else p.fail(`unknown object ${unknown.join(", ")} (scene has obj_0 … obj_${objectCount - 1})`, { expected: `objects obj_0 … obj_${objectCount - 1}`, found: unknown });
  },
};
