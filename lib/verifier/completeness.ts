import { parseQuery } from "@/lib/tools/registry";

// Step completeness (DESIGN §5): the share of a known program's nodes the trace covers.
// Nodes that need a tool are matched to calls (each call covers one node, except that a detect
// covers every `scene` node and each attribute word of its query covers one filter); nodes the
// teacher does in its head (unique, union, comparisons, transforms) are covered when all their
// inputs are.

interface ProgramNodeLike {
  function?: unknown;
  type?: unknown;
  inputs?: unknown;
  value_inputs?: unknown;
  side_inputs?: unknown;
}

export interface CallLike {
  tool: string;
  args: Record<string, unknown>;
}

const FOLDED = new Set(["unique", "union", "intersect", "remove", "equal_integer", "less_than", "greater_than"]);

function nodeValue(node: ProgramNodeLike): string | undefined {
  const values = (Array.isArray(node.value_inputs) && node.value_inputs.length ? node.value_inputs : node.side_inputs) as unknown[] | undefined;
  return typeof values?.[0] === "string" ? values[0] : undefined;
}

interface Slot {
  tool: string;
  attribute?: string;
  value?: string;
  relation?: string;
  used: boolean;
}

function slotsOf(calls: CallLike[]): { slots: Slot[]; detects: number } {
  const slots: Slot[] = [];
  let detects = 0;
  for (const call of calls) {
    const args = call.args ?? {};
    if (call.tool === "detect") {
      detects++;
      let words: Record<string, string> = {};
      try {
        words = parseQuery(typeof args.query === "string" ? args.query : "") as Record<string, string>;
      } catch {
        // unknown words: the call covers the scene node only
      }
      for (const [attribute, value] of Object.entries(words)) slots.push({ tool: "filter", attribute, value, used: false });
      continue;
    }
    // compare(a, b, attribute) answers both query nodes of an equal_* comparison
    const copies = call.tool === "compare" ? 2 : 1;
    for (let k = 0; k < copies; k++) slots.push({
      tool: call.tool,
      attribute: typeof args.attribute === "string" ? args.attribute : undefined,
      value: typeof args.value === "string" ? args.value : undefined,
      relation: typeof args.relation === "string" ? args.relation : undefined,
      used: false,
    });
  }
  return { slots, detects };
}

function take(slots: Slot[], match: (slot: Slot) => boolean): boolean {
  const slot = slots.find((s) => !s.used && match(s));
  if (!slot) return false;
  slot.used = true;
  return true;
}

interface CompiledNode {
  fn: string;
  value: string | undefined;
  inputs: number[];
}

// a program is shared by every trace of its question: read its nodes once
const compiled = new WeakMap<object, CompiledNode[]>();

function compile(program: ProgramNodeLike[]): CompiledNode[] {
  let nodes = compiled.get(program);
  if (!nodes) {
    nodes = program.map((node) => ({ fn: String(node.function ?? node.type ?? ""), value: nodeValue(node), inputs: Array.isArray(node.inputs) ? (node.inputs as number[]) : [] }));
    compiled.set(program, nodes);
  }
  return nodes;
}

/** Share of program nodes covered, in [0, 1]; null when there is no program. */
export function programCompleteness(program: unknown, calls: CallLike[]): number | null {
  if (!Array.isArray(program) || program.length === 0) return null;
  const { slots, detects } = slotsOf(calls);
  const covered: boolean[] = [];
  let count = 0;
  compile(program as ProgramNodeLike[]).forEach(({ fn, value, inputs }, i) => {
    const inputsCovered = inputs.every((k) => covered[k] ?? false);
    let ok: boolean;
    if (fn === "scene") ok = detects > 0;
    else if (fn.startsWith("filter_")) {
      const attribute = fn.slice(7);
      ok = take(slots, (s) => s.tool === "filter" && s.attribute === attribute && (value === undefined || s.value === value));
    } else if (fn === "relate") ok = take(slots, (s) => (s.tool === "relate" || s.tool === "check_relation") && (value === undefined || s.relation === value));
    else if (fn === "count" || fn === "exist") ok = take(slots, (s) => s.tool === "count");
    else if (fn.startsWith("query_")) {
      const attribute = fn.slice(6);
      ok = take(slots, (s) => s.tool === "get_attributes" || (s.tool === "compare" && s.attribute === attribute));
    } else if (fn.startsWith("same_")) {
      const attribute = fn.slice(5);
      ok = take(slots, (s) => (s.tool === "filter" && s.attribute === attribute) || s.tool === "get_attributes");
    } else if (fn.startsWith("equal_")) ok = inputsCovered || take(slots, (s) => s.tool === "compare");
    else if (FOLDED.has(fn) || fn.startsWith("transform_")) ok = inputsCovered;
    else ok = false;
    covered[i] = ok;
    if (ok) count++;
  });
  return count / covered.length;
}
