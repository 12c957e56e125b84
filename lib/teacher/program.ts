import type { CanonicalStep, CanonicalTrace } from "@/lib/schemas/trace";
import { answerToText } from "@/lib/schemas/trace";
import { getTool } from "@/lib/tools/registry";
import { ATTRIBUTE_VALUES, objectId, type Attribute, type Scene } from "@/lib/tools/scene";

// Converts a CLEVR functional program into a canonical tool-call trace, one tool call per program
// node where a tool exists and a reasoning step (in the claims grammar) where the teacher would
// think rather than call. Every tool result is the tool's own execution on the scene, so a faithful
// conversion verifies clean; `_output` values, when present, are checked against it.

export interface ProgramNode {
  type?: string;
  function?: string;
  inputs?: number[];
  value_inputs?: string[];
  side_inputs?: string[];
  _output?: unknown;
}

export interface ProgramQuestion {
  id: string;
  image: string;
  question: string;
  answer?: string | number | boolean | null;
  program: ProgramNode[];
  method?: string;
}

export interface ConversionResult {
  trace: CanonicalTrace;
  /** nodeSteps[i] = index of the step that realises node i (or null when folded into another). */
  nodeSteps: (number | null)[];
  warnings: string[];
}

type Value = { kind: "set"; ids: number[]; description: string } | { kind: "object"; id: number; description: string }
  | { kind: "number"; n: number } | { kind: "bool"; b: boolean } | { kind: "word"; w: string }
  | { kind: "scene"; note: string };

const ATTRIBUTE_OF: Record<string, Attribute> = { color: "color", size: "size", shape: "shape", material: "material" };

export const nodeFunction = (node: ProgramNode): string => node.function ?? node.type ?? "";
const nodeValue = (node: ProgramNode): string | undefined => (node.value_inputs ?? node.side_inputs ?? [])[0];

function listIds(ids: number[]): string {
  const names = ids.map(objectId);
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function plural(shapeOrThing: string, n: number): string {
  if (n === 1) return shapeOrThing;
  return shapeOrThing.endsWith("s") ? shapeOrThing : `${shapeOrThing}s`;
}

/** "small green thing" from the filters applied so far. */
function describe(filters: Partial<Record<Attribute, string>>): string {
  const words = (["size", "color", "material"] as Attribute[]).map((a) => filters[a]).filter(Boolean);
  return [...words, filters.shape ?? "thing"].join(" ");
}

function sameIds(expected: unknown, ids: number[]): boolean {
  if (!Array.isArray(expected)) return false;
  const a = [...expected].map(Number).sort((x, y) => x - y);
  const b = [...ids].sort((x, y) => x - y);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function convertProgram(question: ProgramQuestion, scene: Scene): ConversionResult {
  const steps: CanonicalStep[] = [];
  const warnings: string[] = [];
  const values: Value[] = [];
  const nodeSteps: (number | null)[] = [];
  const filtersOf: Partial<Record<Attribute, string>>[] = [];
  let calls = 0;
  let detectIds: number[] | null = null;

  const call = (tool: string, args: Record<string, unknown>): unknown => {
    const definition = getTool(tool);
    if (!definition?.execute) throw new Error(`tool ${tool} is not registered with an executor`);
    const outcome = definition.execute(scene, args);
    calls += 1;
    const id = `c${calls}`;
    steps.push({ kind: "tool_call", id, tool, args });
    steps.push({ kind: "tool_result", call: id, output: outcome.ok ? outcome.value : { error: outcome.error } });
    if (!outcome.ok) {
      // Real programs contain malformed nodes (too_clevr's filter_color "rubber"): keep the failing
      // call and its error result, as a teacher's log would, and carry an empty value forward.
      warnings.push(`${tool}(${JSON.stringify(args)}) failed: ${outcome.error}`);
      return tool === "count" ? 0 : tool === "get_attributes" ? {} : [];
    }
    return outcome.value;
  };
  const reason = (text: string) => steps.push({ kind: "reasoning", text });
  const idsOf = (v: Value | undefined): number[] => {
    if (!v) throw new Error("program input missing");
    if (v.kind === "set") return v.ids;
    if (v.kind === "object") return [v.id];
    throw new Error(`expected objects, got ${v.kind}`);
  };
  const toIds = (output: unknown): number[] => (output as string[]).map((s) => Number(s.replace("obj_", "")));

  steps.push({ kind: "plan", text: planText(question.program) });

  question.program.forEach((node, i) => {
    const fn = nodeFunction(node);
    const inputs = (node.inputs ?? []).map((k) => values[k]);
    const inputFilters = (node.inputs ?? []).map((k) => filtersOf[k] ?? {});
    let value: Value;
    let filters: Partial<Record<Attribute, string>> = {};
    const stepBefore = steps.length;

    if (fn === "scene") {
      if (detectIds === null) {
        detectIds = toIds((call("detect", {}) as Array<{ id: string }>).map((o) => o.id));
        reason(`There are ${detectIds.length} objects: ${listIds(detectIds)}.`);
      }
      value = { kind: "set", ids: detectIds, description: "thing" };
    } else if (fn.startsWith("filter_")) {
      const attribute = ATTRIBUTE_OF[fn.slice("filter_".length)];
      let v = nodeValue(node);
      const from = idsOf(inputs[0]);
      if (!v && node._output !== undefined) {
        // A real malformed node: value_inputs dropped. Recover the value that reproduces _output.
        v = ATTRIBUTE_VALUES[attribute].find((candidate) =>
          sameIds(node._output, from.filter((id) => scene.objects[id]?.[attribute] === candidate)));
        warnings.push(`node ${i} (${fn}) has no value_inputs; recovered "${v}" from its _output`);
      }
      if (!v) throw new Error(`node ${i} (${fn}) has no value`);
      const ids = toIds(call("filter", { objects: from.map(objectId), attribute, value: v }));
      filters = { ...inputFilters[0], [attribute]: v };
      const description = describe(filters);
      value = { kind: "set", ids, description };
      const next = question.program[i + 1];
      const chainContinues = next && nodeFunction(next).startsWith("filter_") && next.inputs?.[0] === i;
      if (!chainContinues && nodeFunction(next ?? {}) !== "unique") {
        reason(ids.length === 0 ? `There is no ${description}.` : `${listIds(ids)} ${ids.length === 1 ? "is a" : "are"} ${plural(description, ids.length)}.`);
      }
    } else if (fn === "unique") {
      const ids = idsOf(inputs[0]);
      if (ids.length !== 1) throw new Error(`node ${i} (unique) got ${ids.length} objects`);
      const description = inputs[0]?.kind === "set" ? inputs[0].description : "thing";
      filters = inputFilters[0];
      reason(`The ${description} is ${objectId(ids[0])}.`);
      value = { kind: "object", id: ids[0], description };
    } else if (fn === "relate") {
      const target = idsOf(inputs[0])[0];
      const relation = nodeValue(node);
      if (!relation) throw new Error(`node ${i} (relate) has no relation`);
      const ids = toIds(call("relate", { object: objectId(target), relation }));
      const where = relation === "front" ? "in front of" : relation === "behind" ? "behind" : `${relation} of`;
      reason(ids.length === 0 ? `No object is ${where} ${objectId(target)}.` : `${listIds(ids)} ${ids.length === 1 ? "is" : "are"} ${where} ${objectId(target)}.`);
      value = { kind: "set", ids, description: `thing ${where} ${objectId(target)}` };
    } else if (fn === "count" || fn === "exist") {
      const ids = idsOf(inputs[0]);
      const n = call("count", { objects: ids.map(objectId) }) as number;
      const description = inputs[0]?.kind === "set" ? plural(inputs[0].description, n) : "things";
      if (fn === "count") {
        reason(`There ${n === 1 ? "is" : "are"} ${n} ${description}.`);
        value = { kind: "number", n };
      } else {
        reason(`There ${n === 1 ? "is" : "are"} ${n} ${description}, so ${n > 0 ? "yes" : "no"}.`);
        value = { kind: "bool", b: n > 0 };
      }
    } else if (fn.startsWith("query_")) {
      const attribute = ATTRIBUTE_OF[fn.slice("query_".length)];
      const id = idsOf(inputs[0])[0];
      const attributes = call("get_attributes", { object: objectId(id) }) as Record<string, string>;
      reason(`The ${attribute} of ${objectId(id)} is ${attributes[attribute]}.`);
      value = { kind: "word", w: attributes[attribute] };
    } else if (fn.startsWith("same_")) {
      const attribute = ATTRIBUTE_OF[fn.slice("same_".length)];
      const id = idsOf(inputs[0])[0];
      const others = detectIds ?? scene.objects.map((o) => o.index);
      const ids = toIds(call("filter", { objects: others.filter((o) => o !== id).map(objectId), attribute, value: scene.objects[id][attribute] }));
      reason(ids.length ? `${listIds(ids)} ${ids.length === 1 ? "has" : "have"} the same ${attribute} as ${objectId(id)}.` : `No other object has the same ${attribute} as ${objectId(id)}.`);
      value = { kind: "set", ids, description: "thing" };
    } else if (fn.startsWith("equal_") && fn !== "equal_integer") {
      const [a, b] = inputs;
      const same = a?.kind === "word" && b?.kind === "word" && a.w === b.w;
      reason(`${a?.kind === "word" ? a.w : "?"} and ${b?.kind === "word" ? b.w : "?"} are ${same ? "the same" : "different"}, so ${same ? "yes" : "no"}.`);
      value = { kind: "bool", b: same };
    } else if (fn === "equal_integer" || fn === "less_than" || fn === "greater_than") {
      const [a, b] = inputs.map((v) => (v?.kind === "number" ? v.n : NaN));
      const result = fn === "equal_integer" ? a === b : fn === "less_than" ? a < b : a > b;
      const relation = fn === "equal_integer" ? "equal to" : fn === "less_than" ? "less than" : "greater than";
      reason(`${a} is ${result ? "" : "not "}${relation} ${b}, so ${result ? "yes" : "no"}.`);
      value = { kind: "bool", b: result };
    } else if (fn === "union" || fn === "intersect" || fn === "remove") {
      const [a, b] = [idsOf(inputs[0]), idsOf(inputs[1])];
      const ids = fn === "union" ? [...new Set([...a, ...b])].sort((x, y) => x - y)
        : fn === "intersect" ? a.filter((x) => b.includes(x)) : a.filter((x) => !b.includes(x));
      const verb = fn === "union" ? "Together they are" : fn === "intersect" ? "Both lists share" : `Without ${listIds(b) || "nothing"}, what remains is`;
      reason(`${verb} ${ids.length ? listIds(ids) : "no object"}.`);
      value = { kind: "set", ids, description: "thing" };
    } else if (fn.startsWith("transform_")) {
      const attribute = ATTRIBUTE_OF[fn.slice("transform_".length)];
      const target = idsOf(inputs[1]);
      const v = nodeValue(node) ?? "";
      reason(`If ${listIds(target) || "nothing"} became ${v}, ${target.length === 1 ? "its" : "their"} ${attribute} would be ${v}.`);
      value = { kind: "set", ids: target, description: "thing" };
    } else {
      throw new Error(`node ${i}: unsupported program function "${fn}"`);
    }

    if (node._output !== undefined) {
      const ok = value.kind === "set" ? sameIds(node._output, value.ids)
        : value.kind === "object" ? node._output === value.id
        : value.kind === "number" ? node._output === value.n
        : value.kind === "bool" ? node._output === value.b
        : value.kind === "word" ? node._output === value.w : true;
      if (!ok) warnings.push(`node ${i} (${fn}): _output ${JSON.stringify(node._output)} differs from execution`);
    }
    values.push(value);
    filtersOf.push(filters);
    nodeSteps.push(steps.length > stepBefore ? stepBefore : null);
  });

  const last = values.at(-1);
  const finalText = !last ? "" : last.kind === "number" ? String(last.n) : last.kind === "bool" ? (last.b ? "yes" : "no")
    : last.kind === "word" ? last.w : last.kind === "object" ? objectId(last.id)
    : last.kind === "set" ? (last.ids.map(objectId).join(", ") || "none") : "";
  steps.push({ kind: "answer", text: finalText });

  const trace: CanonicalTrace = {
    schema: "stepwise.trace/v1",
    id: question.id,
    image: question.image,
    question: question.question,
    answer: question.answer ?? null,
    teacher: { model: "scripted/program", params: {} },
    method: question.method ?? "program",
    program: question.program as Array<Record<string, unknown>>,
    steps,
  };
  return { trace, nodeSteps, warnings };
}

function planText(program: ProgramNode[]): string {
  const parts: string[] = [];
  for (const node of program) {
    const fn = nodeFunction(node);
    const v = nodeValue(node);
    if (fn === "scene") { if (!parts.includes("detect the objects")) parts.push("detect the objects"); }
    else if (fn.startsWith("filter_")) parts.push(`keep the ${v ?? fn.slice(7)} ones`);
    else if (fn === "relate") parts.push(`find what is ${v} of it`);
    else if (fn === "count") parts.push("count them");
    else if (fn.startsWith("query_")) parts.push(`read its ${fn.slice(6)}`);
    else if (fn === "union") parts.push("combine the two groups");
    else if (fn === "remove") parts.push("remove the second group from the first");
    else if (fn === "less_than" || fn === "greater_than" || fn === "equal_integer") parts.push("compare the counts");
  }
  return `Plan: ${parts.join(", then ")}.`;
}

export { answerToText };
