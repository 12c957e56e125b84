import { parseQuery } from "@/lib/tools/registry";
import { ATTRIBUTES } from "@/lib/tools/scene";

// Step completeness (docs/design.md §5): the share of a known program's nodes the trace covers.
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

function slotsOf(calls: readonly CallLike[]): { slots: Slot[]; detects: number } {
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
      for (const attribute in words) slots.push({ tool: "filter", attribute, value: words[attribute], used: false });
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

/** What a program node needs to be covered. */
type Need = "scene" | "filter" | "relate" | "count" | "query" | "same" | "equal" | "folded" | "none";

interface CompiledNode {
  need: Need;
  /** The attribute of filter_/query_/same_ nodes. */
  attribute: string | undefined;
  value: string | undefined;
  inputs: number[];
}

interface NodeNeed {
  need: Need;
  attribute?: string;
}

function needOf(fn: string): NodeNeed {
  if (fn === "scene") return { need: "scene" };
  if (fn.startsWith("filter_")) return { need: "filter", attribute: fn.slice(7) };
  if (fn === "relate") return { need: "relate" };
  if (fn === "count" || fn === "exist") return { need: "count" };
  if (fn.startsWith("query_")) return { need: "query", attribute: fn.slice(6) };
  if (fn.startsWith("same_")) return { need: "same", attribute: fn.slice(5) };
  if (fn.startsWith("equal_")) return { need: "equal" };
  if (FOLDED.has(fn) || fn.startsWith("transform_")) return { need: "folded" };
  return { need: "none" };
}

// The CLEVR functions' needs, read once at load (a fixed vocabulary, like the grammar's words);
// other names are read as they come.
const CLEVR_FUNCTIONS = ["scene", "relate", "count", "exist", "unique", "union", "intersect", "equal_integer", "less_than", "greater_than", "equal_color", "equal_size", "equal_shape", "equal_material"];
for (const attribute of ATTRIBUTES) CLEVR_FUNCTIONS.push(`filter_${attribute}`, `query_${attribute}`, `same_${attribute}`);
const KNOWN_NEEDS = new Map<string, NodeNeed>(CLEVR_FUNCTIONS.map((fn) => [fn, needOf(fn)]));

/** Whether a call's slot can cover a node. */
function fits(slot: Slot, node: CompiledNode): boolean {
  switch (node.need) {
    case "filter":
      return slot.tool === "filter" && slot.attribute === node.attribute && (node.value === undefined || slot.value === node.value);
    case "relate":
      return (slot.tool === "relate" || slot.tool === "check_relation") && (node.value === undefined || slot.relation === node.value);
    case "count":
      return slot.tool === "count";
    case "query":
      return slot.tool === "get_attributes" || (slot.tool === "compare" && slot.attribute === node.attribute);
    case "same":
      return (slot.tool === "filter" && slot.attribute === node.attribute) || slot.tool === "get_attributes";
    case "equal":
      return slot.tool === "compare";
    default:
      return false;
  }
}

/** Marks the first unused slot that fits the node as used. */
function take(slots: Slot[], node: CompiledNode): boolean {
  for (const slot of slots) {
    if (!slot.used && fits(slot, node)) {
      slot.used = true;
      return true;
    }
  }
  return false;
}

// a program is shared by every trace of its question: read its nodes once per run (the cache is
// emptied with the verifier's other memos, so a benchmark pass starts cold)
let compiled = new WeakMap<object, CompiledNode[]>();

export function clearCompletenessCache(): void {
  compiled = new WeakMap();
}

function compile(program: ProgramNodeLike[]): CompiledNode[] {
  let nodes = compiled.get(program);
  if (!nodes) {
    nodes = program.map((node) => {
      const fn = String(node.function ?? node.type ?? "");
      const { need, attribute } = KNOWN_NEEDS.get(fn) ?? needOf(fn);
      return { need, attribute, value: nodeValue(node), inputs: Array.isArray(node.inputs) ? (node.inputs as number[]) : [] };
    });
    compiled.set(program, nodes);
  }
  return nodes;
}

/** Share of program nodes covered, in [0, 1]; null when there is no program. */
export function programCompleteness(program: unknown, calls: readonly CallLike[]): number | null {
  if (!Array.isArray(program) || program.length === 0) return null;
  const { slots, detects } = slotsOf(calls);
  const nodes = compile(program as ProgramNodeLike[]);
  // covered[k] is 1 once node k is; inputs pointing forward or outside the program read as uncovered
  const covered = new Uint8Array(nodes.length);
  let count = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    let ok: boolean;
    if (node.need === "scene") ok = detects > 0;
    else if (node.need === "folded") ok = inputsCovered(node, covered);
    else if (node.need === "equal") ok = inputsCovered(node, covered) || take(slots, node);
    else if (node.need === "none") ok = false;
    else ok = take(slots, node);
    if (ok) {
      covered[i] = 1;
      count++;
    }
  }
  return count / nodes.length;
}

function inputsCovered(node: CompiledNode, covered: Uint8Array): boolean {
  for (const k of node.inputs) if (covered[k] !== 1) return false;
  return true;
}
