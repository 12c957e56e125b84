import type { CanonicalStep } from "@/lib/schemas/trace";
import { getTool, type ToolOutcome } from "@/lib/tools/registry";
import { ATTRIBUTES, ATTRIBUTE_VALUES, RELATIONS, objectId, parseObjectId, type Attribute, type Relation, type Scene } from "@/lib/tools/scene";
import { normalizeAnswer } from "@/lib/verifier/normalize";
import type { FaultRates, FaultType } from "@/lib/teacher/scripted/faults";
import { pick, pickIndex, type Rng } from "@/lib/teacher/scripted/rng";
import {
  listIds,
  randomPhrasing,
  renderDesc,
  renderSentences,
  sentenceConclusion,
  sentenceIds,
  sentenceSets,
  type TClaim,
  type TDesc,
  type TSentence,
} from "@/lib/teacher/scripted/text";
import { claimIsTrue, exists } from "@/lib/teacher/scripted/truth";

// The scripted teacher: runs a CLEVR functional program against a scene the way a tool-using VLM
// would — a tool call per node that needs one, a reasoning step (claims grammar) where it would
// think — and injects faults at the configured rates. Every step gets a truth label that follows
// docs/design.md §5 "what wrong means for a step", computed from the teacher's own structures:
//   tool_call   wrong if its args are invalid, name unknown objects, use an id / id list no earlier
//               step produced, or it gets no result;
//   tool_result wrong if it differs from executing its call on the scene, or repeats a result;
//   reasoning   wrong if any claim is false of the scene (even when it repeats a wrong result);
//   answer      wrong if it differs from the ground truth or from the last conclusion.
// A later step that faithfully uses a wrong value is not wrong unless it meets one of these.

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

export interface InjectedFault {
  type: FaultType;
  step: number;
  detail: string;
}

export interface EngineOptions {
  rng: Rng;
  rates: FaultRates;
  /** "filter": detect everything, then one filter call per filter node; "detect": fold attribute filters into detect queries. */
  style: "filter" | "detect";
  /** Real programs: no faults; a node the program cannot run on throws. */
  strict?: boolean;
  /** Step-level verification: true when the steps from `from` on pass; a failing unit is resampled. */
  stepCheck?: (steps: CanonicalStep[], from: number) => boolean;
  retries?: number;
}

export interface EngineResult {
  steps: CanonicalStep[];
  /** Truth label per step: true = wrong (docs/design.md §5). */
  wrong: boolean[];
  faults: InjectedFault[];
  nodeSteps: (number | null)[];
  warnings: string[];
  answer: string;
  /** Units resampled by step-level verification. */
  resampled: number;
}

type Hyp = Map<number, Partial<Record<Attribute, string>>>;

type Belief =
  | { kind: "set"; ids: number[]; desc: TDesc; hyp?: Hyp; opaque?: boolean }
  | { kind: "object"; id: number; desc: TDesc }
  | { kind: "number"; n: number }
  | { kind: "bool"; b: boolean }
  | { kind: "word"; w: string; attribute?: Attribute }
  | { kind: "deferred"; id: number; attribute: Attribute }
  | { kind: "none" };

interface State {
  steps: CanonicalStep[];
  wrong: boolean[];
  faults: InjectedFault[];
  calls: number;
  sets: Set<string>;
  ids: Set<number>;
  /** Execution of every count call on its recorded args (null when it fails), in order. */
  countTruths: (number | null)[];
  conclusion: string | null;
}

class Truncated extends Error {}

export const nodeFunction = (node: ProgramNode): string => node.function ?? node.type ?? "";
const nodeValue = (node: ProgramNode): string | undefined => (node.value_inputs?.length ? node.value_inputs : node.side_inputs)?.[0];

const ATTRIBUTE_OF: Record<string, Attribute> = { color: "color", size: "size", shape: "shape", material: "material" };
const BAD_VALUES = ["pink", "wooden", "striped", "huge", "glass", "round"];
const BAD_RELATIONS = ["above", "below", "near", "inside", "next to"];
const BAD_ATTRIBUTES = ["weight", "texture", "position"];

export function setKey(ids: readonly number[]): string {
  return [...new Set(ids)].sort((a, b) => a - b).join(",");
}

const toIds = (output: unknown): number[] => {
  if (!Array.isArray(output)) return [];
  return output.map((item) => parseObjectId(typeof item === "object" && item !== null ? (item as { id: unknown }).id : item)).filter((id): id is number => id !== null);
};

const sameIds = (expected: unknown, ids: number[]): boolean => Array.isArray(expected) && setKey(expected.map(Number)) === setKey(ids);

export function runProgram(question: ProgramQuestion, scene: Scene, options: EngineOptions): EngineResult {
  return new Engine(question, scene, options).run();
}

class Engine {
  private state: State = { steps: [], wrong: [], faults: [], calls: 0, sets: new Set([""]), ids: new Set(), countTruths: [], conclusion: null };
  private readonly warnings: string[] = [];
  /** Filter values a malformed node dropped, recovered from its _output: the plan names them too. */
  private readonly recovered = new Map<number, string>();
  private readonly program: ProgramNode[];
  private allIds: number[] | null = null;
  private resampled = 0;

  constructor(
    private readonly question: ProgramQuestion,
    private readonly scene: Scene,
    private readonly options: EngineOptions,
  ) {
    this.program = question.program;
  }

  // ---- faults --------------------------------------------------------------------------

  private roll(type: FaultType): boolean {
    if (this.options.strict) return false;
    const rate = this.options.rates[type] ?? 0;
    return rate > 0 && this.options.rng() < rate;
  }

  private fault(type: FaultType, step: number, detail: string): void {
    this.state.faults.push({ type, step, detail });
  }

  // ---- units (resampled as a whole by step-level verification) --------------------------

  private unit<T>(emit: () => T): T {
    const check = this.options.stepCheck;
    if (!check) return emit();
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const saved = this.snapshot();
      const before = this.state.steps.length;
      const value = emit();
      if (attempt >= retries || check(this.state.steps, before)) return value;
      this.resampled++;
      this.state = saved;
    }
  }

  private snapshot(): State {
    const s = this.state;
    return { ...s, steps: [...s.steps], wrong: [...s.wrong], faults: [...s.faults], sets: new Set(s.sets), ids: new Set(s.ids), countTruths: [...s.countTruths] };
  }

  private push(step: CanonicalStep, wrong: boolean): number {
    this.state.steps.push(step);
    this.state.wrong.push(wrong);
    return this.state.steps.length - 1;
  }

  private produce(ids: number[]): void {
    this.state.sets.add(setKey(ids));
    for (const id of ids) this.state.ids.add(id);
  }

  // ---- tool calls ----------------------------------------------------------------------

  private execute(tool: string, args: Record<string, unknown>): ToolOutcome {
    const definition = getTool(tool);
    if (!definition?.execute) throw new Error(`tool ${tool} is not registered with an executor`);
    return definition.execute(this.scene, args);
  }

  /** Wrong by docs/design.md §5: invalid args, unknown objects, or ids / lists no earlier step produced. */
  private callIsWrong(tool: string, args: Record<string, unknown>): boolean {
    const definition = getTool(tool)!;
    if (!definition.args.safeParse(args).success) return true;
    for (const [key, kind] of Object.entries(definition.objectArgs ?? {})) {
      const value = args[key];
      if (kind === "objects" && Array.isArray(value)) {
        const ids = value.map(parseObjectId);
        if (ids.some((id) => id === null || !exists(this.scene, id))) return true;
        if (!this.state.sets.has(setKey(ids as number[]))) return true;
      } else if (kind === "object" && value !== undefined) {
        const id = parseObjectId(value);
        if (id === null || !exists(this.scene, id) || !this.state.ids.has(id)) return true;
      }
    }
    return false;
  }

  private emitCall(tool: string, args: Record<string, unknown>, options: { faultable: boolean; dropped?: boolean }): { output: unknown; outcome: ToolOutcome; callStep: number } {
    const id = `c${++this.state.calls}`;
    const outcome = this.execute(tool, args);
    const truthOutput = outcome.ok ? outcome.value : { error: outcome.error };
    const pairing = options.faultable && outcome.ok && this.roll("broken_pairing") ? (this.options.rng() < 0.5 ? "drop" : "duplicate") : null;
    const callWrong = this.callIsWrong(tool, args) || pairing === "drop";
    const callStep = this.push({ kind: "tool_call", id, tool, args }, callWrong);
    if (tool === "count") this.state.countTruths.push(outcome.ok ? (outcome.value as number) : null);
    let recorded: unknown = truthOutput;
    let hallucinated = false;
    if (options.faultable && outcome.ok && pairing !== "drop" && this.roll("hallucinated_result")) {
      const wrong = this.hallucinate(tool, outcome.value);
      if (wrong !== undefined) {
        recorded = wrong;
        hallucinated = true;
      }
    }
    if (pairing === "drop") {
      this.fault("broken_pairing", callStep, `the result of ${id} is missing`);
      return { output: truthOutput, outcome, callStep };
    }
    const resultStep = this.push({ kind: "tool_result", call: id, output: recorded }, hallucinated);
    if (hallucinated) this.fault("hallucinated_result", resultStep, `${tool} returned ${JSON.stringify(truthOutput)}, recorded ${JSON.stringify(recorded)}`);
    if (pairing === "duplicate") {
      const duplicate = this.push({ kind: "tool_result", call: id, output: recorded }, true);
      this.fault("broken_pairing", duplicate, `the result of ${id} is recorded twice`);
    }
    this.produce(toIds(recorded));
    return { output: recorded, outcome, callStep };
  }

  /** A plausible wrong result that differs from the truth under the verifier's comparison. */
  private hallucinate(tool: string, value: unknown): unknown {
    const rng = this.options.rng;
    const all = this.scene.objects.map((o) => o.index);
    if (tool === "detect") {
      const items = value as Array<{ id: string; label: string; box: unknown }>;
      const ids = toIds(items);
      const outside = all.filter((id) => !ids.includes(id));
      if (items.length > 1 && (rng() < 0.5 || outside.length === 0)) {
        const drop = pickIndex(rng, items.length);
        return items.filter((_, i) => i !== drop);
      }
      if (outside.length === 0) return undefined;
      const extra = this.scene.objects[pick(rng, outside)];
      return [...items, { id: objectId(extra.index), label: extra.shape, box: extra.box }].sort((a, b) => toIds([a])[0] - toIds([b])[0]);
    }
    if (Array.isArray(value)) {
      const ids = toIds(value);
      const outside = all.filter((id) => !ids.includes(id));
      if (ids.length > 0 && (rng() < 0.5 || outside.length === 0)) {
        const drop = pickIndex(rng, ids.length);
        return ids.filter((_, i) => i !== drop).map(objectId);
      }
      if (outside.length === 0) return undefined;
      return [...ids, pick(rng, outside)].sort((a, b) => a - b).map(objectId);
    }
    if (typeof value === "number") {
      if (tool === "count") return value === 0 || rng() < 0.5 ? value + 1 : value - 1;
      return Math.round((value + (rng() < 0.5 ? -1 : 1) * (0.5 + rng() * 1.5)) * 1000) / 1000;
    }
    if (typeof value === "boolean") return !value;
    if (value && typeof value === "object") {
      const attributes = { ...(value as Record<string, string>) };
      const attribute = pick(rng, ATTRIBUTES);
      attributes[attribute] = pick(rng, ATTRIBUTE_VALUES[attribute].filter((v) => v !== attributes[attribute]));
      return attributes;
    }
    return undefined;
  }

  /**
   * One tool call with its result, as a unit. Call faults happen here: an invalid / unknown
   * argument (the tool's error is recorded, then the teacher retries the right call) or a broken
   * propagation (the call runs with a list no earlier step produced).
   */
  private toolCall(tool: string, args: Record<string, unknown>, faultable = true): { output: unknown; ok: boolean; callStep: number } {
    return this.unit(() => {
      let callArgs = args;
      if (faultable && !this.options.strict) {
        const bad = this.badArgs(tool, args);
        if (bad) {
          const { callStep } = this.emitCall(tool, bad.args, { faultable: false });
          this.fault(bad.type, callStep, bad.detail);
        }
        const perturbed = this.roll("broken_propagation") ? this.perturb(tool, args) : null;
        if (perturbed) callArgs = perturbed.args;
        const result = this.emitCall(tool, callArgs, { faultable: true });
        if (perturbed) this.fault("broken_propagation", result.callStep, perturbed.detail);
        return { output: result.output, ok: result.outcome.ok, callStep: result.callStep };
      }
      const result = this.emitCall(tool, callArgs, { faultable: false });
      return { output: result.output, ok: result.outcome.ok, callStep: result.callStep };
    });
  }

  private badArgs(tool: string, args: Record<string, unknown>): { type: FaultType; args: Record<string, unknown>; detail: string } | null {
    const rng = this.options.rng;
    const objectArgs = Object.entries(getTool(tool)?.objectArgs ?? {});
    if ((tool === "filter" || tool === "compare") && this.roll("invalid_value")) {
      if (tool === "compare") {
        const attribute = pick(rng, BAD_ATTRIBUTES);
        return { type: "invalid_value", args: { ...args, attribute }, detail: `compare attribute "${attribute}"` };
      }
      const attribute = args.attribute as Attribute;
      const foreign = ATTRIBUTES.filter((a) => a !== attribute).flatMap((a) => ATTRIBUTE_VALUES[a]);
      const value = rng() < 0.5 ? pick(rng, foreign) : pick(rng, BAD_VALUES);
      return { type: "invalid_value", args: { ...args, value }, detail: `filter ${attribute} "${value}"` };
    }
    if ((tool === "relate" || tool === "check_relation") && this.roll("unknown_relation")) {
      const relation = pick(rng, BAD_RELATIONS);
      return { type: "unknown_relation", args: { ...args, relation }, detail: `relation "${relation}"` };
    }
    if (objectArgs.length && this.roll("unknown_object")) {
      const [key, kind] = pick(rng, objectArgs);
      const unknown = objectId(this.scene.objects.length + pickIndex(rng, 5));
      const value = kind === "objects" ? [...((args[key] as string[]) ?? []), unknown] : unknown;
      return { type: "unknown_object", args: { ...args, [key]: value }, detail: `${key} names ${unknown}` };
    }
    return null;
  }

  private perturb(tool: string, args: Record<string, unknown>): { args: Record<string, unknown>; detail: string } | null {
    const rng = this.options.rng;
    const all = this.scene.objects.map((o) => o.index);
    for (const [key, kind] of Object.entries(getTool(tool)?.objectArgs ?? {})) {
      if (kind !== "objects" || !Array.isArray(args[key])) continue;
      const ids = toIds(args[key]);
      const candidates: number[][] = [];
      for (const extra of all) if (!ids.includes(extra)) candidates.push([...ids, extra].sort((a, b) => a - b));
      if (ids.length > 1) for (let k = 0; k < ids.length; k++) candidates.push(ids.filter((_, i) => i !== k));
      const fresh = candidates.filter((c) => c.length > 0 && !this.state.sets.has(setKey(c)));
      if (fresh.length === 0) return null;
      const chosen = pick(rng, fresh);
      return { args: { ...args, [key]: chosen.map(objectId) }, detail: `${key} ${listIds(chosen)} instead of ${listIds(ids) || "[]"}` };
    }
    return null;
  }

  // ---- reasoning -----------------------------------------------------------------------

  /** A reasoning step, as a unit. Returns the sentences as written (possibly misread). */
  private reason(sentences: TSentence[]): TSentence[] {
    return this.unit(() => {
      let written = sentences;
      let misread: string | null = null;
      if (this.roll("misread_result")) {
        const result = this.misread(sentences);
        if (result) {
          written = result.sentences;
          misread = result.detail;
        }
      }
      let falseClaim: TSentence | null = null;
      if (this.roll("false_claim")) falseClaim = this.falseClaim(written);
      if (falseClaim) written = [...written, falseClaim];
      const wrong = written.some((s) => s.claim !== undefined && !s.hypothetical && !claimIsTrue(s.claim, this.scene, { countTruths: this.state.countTruths }));
      const phrasing = this.options.strict ? undefined : randomPhrasing(this.options.rng);
      const step = this.push({ kind: "reasoning", text: renderSentences(written, phrasing) }, wrong);
      if (misread) this.fault("misread_result", step, misread);
      if (falseClaim) this.fault("false_claim", step, renderSentences([falseClaim]));
      const ids = new Set<number>();
      let conclusion: string | null = null;
      for (const sentence of written) {
        for (const set of sentenceSets(sentence)) this.state.sets.add(setKey(set));
        sentenceIds(sentence, ids);
        conclusion = sentenceConclusion(sentence) ?? conclusion;
      }
      for (const id of ids) this.state.ids.add(id);
      this.state.conclusion = conclusion === null ? null : normalizeAnswer(conclusion);
      return written;
    });
  }

  private isFalse(claim: TClaim): boolean {
    return !claimIsTrue(claim, this.scene, { countTruths: this.state.countTruths });
  }

  private misread(sentences: TSentence[]): { sentences: TSentence[]; detail: string } | null {
    const index = sentences.findIndex((s) => s.claim && !s.hypothetical);
    if (index < 0) return null;
    const sentence = sentences[index];
    const claim = sentence.claim!;
    const rng = this.options.rng;
    const all = this.scene.objects.map((o) => o.index);
    const variants: TSentence[] = [];
    switch (claim.kind) {
      case "members": {
        for (const extra of all) if (!claim.ids.includes(extra)) variants.push({ ...sentence, claim: { ...claim, ids: [...claim.ids, extra].sort((a, b) => a - b) } });
        break;
      }
      case "enumeration": {
        for (const other of all) if (!claim.ids.includes(other)) variants.push({ ...sentence, claim: { ...claim, ids: [other] } });
        break;
      }
      case "count": {
        const ns = claim.n === 0 ? [1] : [claim.n - 1, claim.n + 1];
        for (const n of ns) variants.push({ ...sentence, claim: { ...claim, n, list: undefined }, so: sentence.so ? (n > 0 ? "yes" : "no") : undefined });
        break;
      }
      case "attribute": {
        for (const value of ATTRIBUTE_VALUES[claim.attribute]) if (value !== claim.value) variants.push({ ...sentence, claim: { ...claim, value } });
        break;
      }
      case "same": {
        if (claim.reference === undefined) variants.push({ ...sentence, claim: { ...claim, same: !claim.same }, so: sentence.so ? (!claim.same ? "yes" : "no") : undefined });
        else for (const extra of all) if (!claim.ids.includes(extra) && extra !== claim.reference) variants.push({ ...sentence, claim: { ...claim, ids: [...claim.ids, extra].sort((a, b) => a - b) } });
        break;
      }
      case "compare": {
        for (const a of [claim.a - 1, claim.a + 1]) {
          if (a < 0) continue;
          const holds = claim.op === "gt" ? a > claim.b : claim.op === "lt" ? a < claim.b : a === claim.b;
          variants.push({ ...sentence, claim: { ...claim, a, negated: !holds }, so: holds ? "yes" : "no" });
        }
        break;
      }
    }
    const wrong = variants.filter((v) => this.isFalse(v.claim!));
    if (wrong.length === 0) return null;
    const chosen = pick(rng, wrong);
    const written = [...sentences];
    written[index] = chosen;
    return { sentences: written, detail: `wrote "${renderSentences([chosen])}" instead of "${renderSentences([sentence])}"` };
  }

  private falseClaim(sentences: TSentence[]): TSentence | null {
    const rng = this.options.rng;
    const mentioned = new Set<number>();
    for (const s of sentences) sentenceIds(s, mentioned);
    const pool = mentioned.size ? [...mentioned] : this.scene.objects.map((o) => o.index);
    for (let attempt = 0; attempt < 8; attempt++) {
      const a = pick(rng, pool);
      let claim: TClaim;
      if (rng() < 0.5 && this.scene.objects.length > 1) {
        const others = this.scene.objects.map((o) => o.index).filter((id) => id !== a);
        claim = { kind: "members", ids: [a], desc: { attrs: {}, rel: { relation: pick(rng, RELATIONS), object: pick(rng, others) } } };
      } else {
        const attribute = pick(rng, ATTRIBUTES);
        claim = { kind: "members", ids: [a], desc: { attrs: { [attribute]: pick(rng, ATTRIBUTE_VALUES[attribute]) } } };
      }
      if (this.isFalse(claim)) return { claim };
    }
    return null;
  }

  // ---- answer --------------------------------------------------------------------------

  /** `text` is a function so that a resampled answer (step-level verification) can guess anew. */
  private answerStep(text: () => string): string {
    return this.unit(() => {
      let answer = text();
      const conclusion = this.state.conclusion;
      let contradicted = false;
      if (this.roll("answer_contradiction")) {
        const alternative = this.alternativeAnswer(conclusion ?? normalizeAnswer(answer) ?? "");
        if (alternative !== null) {
          answer = alternative;
          contradicted = true;
        }
      }
      const step = this.push({ kind: "answer", text: answer }, this.answerIsWrong(answer));
      if (contradicted) this.fault("answer_contradiction", step, `answered "${answer}" after concluding "${conclusion}"`);
      return answer;
    });
  }

  private answerIsWrong(answer: string): boolean {
    const normalized = normalizeAnswer(answer);
    if (!normalized) return true;
    const truth = normalizeAnswer(this.question.answer ?? null);
    if (truth && truth !== normalized) return true;
    return this.state.conclusion !== null && this.state.conclusion !== normalized;
  }

  /** A different answer of the same type (number, yes/no, attribute value, object). */
  private alternativeAnswer(current: string): string | null {
    const rng = this.options.rng;
    if (current === "yes") return "no";
    if (current === "no") return "yes";
    if (/^\d+$/.test(current)) {
      const n = Number(current);
      return String(n === 0 || rng() < 0.5 ? n + 1 : n - 1);
    }
    const attribute = ATTRIBUTES.find((a) => ATTRIBUTE_VALUES[a].includes(current));
    if (attribute) return pick(rng, ATTRIBUTE_VALUES[attribute].filter((v) => v !== current));
    return null;
  }

  /** A guess when the teacher gives up early, shaped like the expected answer. */
  private guess(): string {
    const rng = this.options.rng;
    const truth = normalizeAnswer(this.question.answer ?? null) ?? "";
    if (truth === "yes" || truth === "no") return pick(rng, ["yes", "no"]);
    if (/^\d+$/.test(truth)) return String(pickIndex(rng, 6));
    const attribute = ATTRIBUTES.find((a) => ATTRIBUTE_VALUES[a].includes(truth));
    if (attribute) return pick(rng, ATTRIBUTE_VALUES[attribute]);
    return "0";
  }

  // ---- program nodes -------------------------------------------------------------------

  run(): EngineResult {
    const values: Belief[] = [];
    const nodeSteps: (number | null)[] = [];
    const skip = new Set<number>();
    const plan = this.state.steps.length;
    this.push({ kind: "plan", text: planText(this.program) }, false);
    let answer: string;
    try {
      for (let i = 0; i < this.program.length; i++) {
        const before = this.state.steps.length;
        if (!skip.has(i)) {
          if (i > 0 && i < this.program.length - 1 && this.roll("truncated")) {
            this.fault("truncated", this.state.steps.length, `stopped before node ${i} (${nodeFunction(this.program[i])})`);
            throw new Truncated();
          }
          values[i] = this.node(i, values, skip);
        }
        nodeSteps[i] = this.state.steps.length > before ? before : null;
        this.checkOutput(i, values[i]);
      }
      const final = values.at(-1);
      answer = this.answerStep(() => answerText(final));
    } catch (error) {
      if (!(error instanceof Truncated)) throw error;
      while (nodeSteps.length < this.program.length) nodeSteps.push(null);
      answer = this.answerStep(() => this.guess());
    }
    // a value recovered while running replaces the plan's "keep the size ones" with what was kept
    const planStep = this.state.steps[plan];
    if (this.recovered.size && planStep?.kind === "plan") planStep.text = planText(this.program, this.recovered);
    return {
      steps: this.state.steps,
      wrong: this.state.wrong,
      faults: this.state.faults,
      nodeSteps,
      warnings: this.warnings,
      answer,
      resampled: this.resampled,
    };
  }

  private isLast(i: number): boolean {
    return i === this.program.length - 1;
  }

  /** Whether node i's only consumer is the next node and it is one of `functions`. */
  private nextConsumes(i: number, test: (fn: string) => boolean): boolean {
    const next = this.program[i + 1];
    return Boolean(next && test(nodeFunction(next)) && next.inputs?.[0] === i);
  }

  private node(i: number, values: Belief[], skip: Set<number>): Belief {
    const node = this.program[i];
    const fn = nodeFunction(node);
    const inputs = (node.inputs ?? []).map((k) => values[k]);
    if (fn === "scene") return this.sceneNode(i, values, skip);
    if (fn.startsWith("filter_")) return this.filterNode(i, inputs[0]);
    if (fn === "unique") return this.uniqueNode(inputs[0]);
    if (fn === "relate") return this.relateNode(i, inputs[0], nodeValue(node));
    if (fn === "count" || fn === "exist") return this.countNode(inputs[0], fn === "exist");
    if (fn.startsWith("query_")) return this.queryNode(i, inputs[0], ATTRIBUTE_OF[fn.slice(6)]);
    if (fn.startsWith("same_")) return this.sameNode(inputs[0], ATTRIBUTE_OF[fn.slice(5)]);
    if (fn.startsWith("equal_") && fn !== "equal_integer") return this.equalNode(inputs, ATTRIBUTE_OF[fn.slice(6)]);
    if (fn === "equal_integer" || fn === "less_than" || fn === "greater_than") return this.compareNode(inputs, fn);
    if (fn === "union" || fn === "intersect" || fn === "remove") return this.setNode(fn, inputs);
    if (fn.startsWith("transform_")) return this.transformNode(inputs, ATTRIBUTE_OF[fn.slice(10)], nodeValue(node) ?? "");
    throw new Error(`node ${i}: unsupported program function "${fn}"`);
  }

  private sceneNode(i: number, values: Belief[], skip: Set<number>): Belief {
    const consumers = this.program.filter((n) => n.inputs?.includes(i)).length;
    if (this.options.style === "detect" && consumers === 1) {
      const chain: number[] = [];
      for (let j = i + 1; j < this.program.length; j++) {
        const node = this.program[j];
        if (!nodeFunction(node).startsWith("filter_") || node.inputs?.[0] !== j - 1 || !nodeValue(node)) break;
        chain.push(j);
      }
      if (chain.length) {
        const attrs: Partial<Record<Attribute, string>> = {};
        for (const j of chain) attrs[ATTRIBUTE_OF[nodeFunction(this.program[j]).slice(7)]] = nodeValue(this.program[j])!;
        const desc: TDesc = { attrs };
        const { output } = this.toolCall("detect", { query: renderDesc(desc, false).replace(/ thing$/, "") });
        let ids = toIds(output);
        const last = chain.at(-1)!;
        if (!this.nextConsumes(last, (f) => f === "unique")) ids = this.stateSet(ids, desc, last);
        const value: Belief = { kind: "set", ids, desc };
        for (const j of chain) {
          skip.add(j);
          values[j] = value;
        }
        return { kind: "set", ids: this.allIds ?? [], desc: { attrs: {} } };
      }
    }
    if (this.allIds === null) {
      const { output } = this.toolCall("detect", {});
      const ids = toIds(output);
      const [sentence] = this.reason([{ claim: { kind: "count", n: ids.length, desc: { attrs: {} }, list: ids } }]);
      const claim = sentence.claim as Extract<TClaim, { kind: "count" }>;
      this.allIds = claim.list?.length ? claim.list : ids;
    }
    return { kind: "set", ids: this.allIds, desc: { attrs: {} } };
  }

  /** Says what a set is (members, or "there is no …"); the final node enumerates it instead. */
  private stateSet(ids: number[], desc: TDesc, node: number): number[] {
    if (ids.length === 0) {
      this.reason([{ claim: { kind: "count", n: 0, desc } }]);
      return ids;
    }
    const claim: TClaim = this.isLast(node) ? { kind: "enumeration", ids, desc } : { kind: "members", ids, desc };
    const [sentence] = this.reason([{ claim }]);
    const written = sentence.claim as Extract<TClaim, { kind: "members" | "enumeration" }>;
    return written.ids;
  }

  private filterNode(i: number, input: Belief | undefined): Belief {
    const node = this.program[i];
    const fn = nodeFunction(node);
    const attribute = ATTRIBUTE_OF[fn.slice(7)];
    if (!input || input.kind !== "set") throw new Error(`node ${i} (${fn}) needs a set of objects`);
    let value = nodeValue(node);
    if (!value && node._output !== undefined) {
      // A real malformed node: value_inputs dropped. Recover the value that reproduces _output.
      value = ATTRIBUTE_VALUES[attribute].find((candidate) =>
        sameIds(node._output, input.ids.filter((id) => this.scene.objects[id]?.[attribute] === candidate)));
      this.warnings.push(`node ${i} (${fn}) has no value_inputs; recovered "${value}" from its _output`);
      if (value) this.recovered.set(i, value);
    }
    if (!value) throw new Error(`node ${i} (${fn}) has no value`);
    if (input.hyp) return this.hypotheticalFilter(input, attribute, value);
    const { output, ok } = this.toolCall("filter", { objects: input.ids.map(objectId), attribute, value });
    const desc: TDesc = { ...input.desc, attrs: { ...input.desc.attrs, [attribute]: value } };
    if (!ok) {
      this.warnings.push(`filter(${attribute} = "${value}") failed: ${(output as { error: string }).error}`);
      this.reason([{ text: "The tool rejected the call, and nothing is kept" }]);
      return { kind: "set", ids: [], desc, opaque: true };
    }
    let ids = toIds(output);
    const chainContinues = this.nextConsumes(i, (f) => f.startsWith("filter_") || f === "unique");
    // an empty set about to be counted is said once, by the count
    const countedEmpty = ids.length === 0 && this.nextConsumes(i, (f) => f === "count" || f === "exist");
    if (!chainContinues && !countedEmpty) ids = input.opaque ? this.statement(ids) : this.stateSet(ids, desc, i);
    return { kind: "set", ids, desc, opaque: input.opaque };
  }

  /** Unchecked set statement ("That leaves obj_1 and obj_3.") for sets the grammar cannot describe. */
  private statement(ids: number[]): number[] {
    this.reason([ids.length ? { text: `That leaves ${listIds(ids)}`, list: ids } : { text: "That leaves nothing" }]);
    return ids;
  }

  private uniqueNode(input: Belief | undefined): Belief {
    if (!input || input.kind !== "set") throw new Error("unique needs a set");
    if (input.ids.length !== 1 && this.options.strict) throw new Error(`unique got ${input.ids.length} objects`);
    if (input.ids.length === 0) {
      this.reason([{ claim: { kind: "count", n: 0, desc: input.desc } }]);
      throw new Truncated();
    }
    const [sentence] = this.reason([{ claim: { kind: "enumeration", ids: [input.ids[0]], desc: input.desc } }]);
    const id = (sentence.claim as Extract<TClaim, { kind: "enumeration" }>).ids[0];
    return { kind: "object", id, desc: input.desc };
  }

  private objectOf(input: Belief | undefined): number {
    if (input?.kind === "object") return input.id;
    if (input?.kind === "set" && input.ids.length) return input.ids[0];
    throw new Truncated();
  }

  private relateNode(i: number, input: Belief | undefined, relation: string | undefined): Belief {
    if (!relation) throw new Error(`node ${i} (relate) has no relation`);
    const object = this.objectOf(input);
    const { output } = this.toolCall("relate", { object: objectId(object), relation });
    const desc: TDesc = { attrs: {}, rel: { relation: relation as Relation, object } };
    let ids = toIds(output);
    if (!this.nextConsumes(i, (f) => f.startsWith("filter_") || f === "unique")) ids = this.stateSet(ids, desc, i);
    return { kind: "set", ids, desc };
  }

  private countNode(input: Belief | undefined, exist: boolean): Belief {
    if (!input || input.kind !== "set") throw new Error("count needs a set");
    const { output, ok } = this.toolCall("count", { objects: input.ids.map(objectId) });
    let n = ok && typeof output === "number" ? output : input.ids.length;
    if (input.hyp || input.opaque) {
      const words = renderDesc({ attrs: input.desc.attrs }, n !== 1);
      this.reason([{ text: `There would be ${n} ${words}`, hypothetical: true, concludes: String(n), ...(exist ? { so: n > 0 ? "yes" : "no" } : {}) }]);
      return exist ? { kind: "bool", b: n > 0 } : { kind: "number", n };
    }
    const [sentence] = this.reason([{ claim: { kind: "count", n, desc: input.desc }, ...(exist ? { so: n > 0 ? "yes" : "no" } : {}) }]);
    n = (sentence.claim as Extract<TClaim, { kind: "count" }>).n;
    return exist ? { kind: "bool", b: sentence.so === "yes" } : { kind: "number", n };
  }

  private queryNode(i: number, input: Belief | undefined, attribute: Attribute): Belief {
    const object = this.objectOf(input);
    const consumedByEqual = this.program.some((n, j) => j > i && nodeFunction(n) === `equal_${attribute}` && n.inputs?.includes(i));
    if (consumedByEqual) return { kind: "deferred", id: object, attribute };
    const { output, ok } = this.toolCall("get_attributes", { object: objectId(object) });
    if (!ok) throw new Truncated();
    const value = (output as Record<string, string>)[attribute];
    const [sentence] = this.reason([{ claim: { kind: "attribute", id: object, attribute, value } }]);
    return { kind: "word", w: (sentence.claim as Extract<TClaim, { kind: "attribute" }>).value, attribute };
  }

  private sameNode(input: Belief | undefined, attribute: Attribute): Belief {
    const object = this.objectOf(input);
    const attrs = this.toolCall("get_attributes", { object: objectId(object) });
    if (!attrs.ok) throw new Truncated();
    const [said] = this.reason([{ claim: { kind: "attribute", id: object, attribute, value: (attrs.output as Record<string, string>)[attribute] } }]);
    const value = (said.claim as Extract<TClaim, { kind: "attribute" }>).value;
    let found: unknown;
    if (this.options.style === "detect" || this.allIds === null) {
      found = this.toolCall("detect", { query: value }).output;
    } else {
      found = this.toolCall("filter", { objects: this.allIds.map(objectId), attribute, value }).output;
    }
    const others = toIds(found).filter((id) => id !== object);
    const desc: TDesc = { attrs: {}, same: { attribute, object } };
    if (others.length === 0) {
      this.reason([{ claim: { kind: "count", n: 0, desc } }]);
      return { kind: "set", ids: [], desc };
    }
    const [sentence] = this.reason([{ claim: { kind: "same", ids: others, attribute, reference: object, same: true } }]);
    return { kind: "set", ids: (sentence.claim as Extract<TClaim, { kind: "same" }>).ids, desc };
  }

  private equalNode(inputs: Belief[], attribute: Attribute): Belief {
    const [a, b] = inputs;
    if (a?.kind === "deferred" && b?.kind === "deferred") {
      const { output, ok } = this.toolCall("compare", { a: objectId(a.id), b: objectId(b.id), attribute });
      if (!ok) throw new Truncated();
      const same = output === true;
      const [sentence] = this.reason([{ claim: { kind: "same", ids: [a.id, b.id], attribute, same }, so: same ? "yes" : "no" }]);
      return { kind: "bool", b: sentence.so === "yes" };
    }
    const wa = a?.kind === "word" ? a.w : "?";
    const wb = b?.kind === "word" ? b.w : "?";
    const same = wa === wb;
    this.reason([{ text: `${wa} and ${wb} are ${same ? "the same" : "different"}`, so: same ? "yes" : "no" }]);
    return { kind: "bool", b: same };
  }

  private compareNode(inputs: Belief[], fn: string): Belief {
    const [a, b] = inputs.map((v) => (v?.kind === "number" ? v.n : NaN));
    const op = fn === "equal_integer" ? "eq" : fn === "less_than" ? "lt" : "gt";
    const holds = op === "eq" ? a === b : op === "lt" ? a < b : a > b;
    const [sentence] = this.reason([{ claim: { kind: "compare", a, b, op, negated: !holds }, so: holds ? "yes" : "no" }]);
    return { kind: "bool", b: sentence.so === "yes" };
  }

  private setNode(fn: string, inputs: Belief[]): Belief {
    const [a, b] = inputs;
    if (a?.kind !== "set" || b?.kind !== "set") throw new Error(`${fn} needs two sets`);
    if (fn === "union") {
      const ids = [...new Set([...a.ids, ...b.ids])].sort((x, y) => x - y);
      const desc: TDesc = { attrs: {}, or: [a.desc, b.desc] };
      if (a.opaque || b.opaque) return { kind: "set", ids: this.statement(ids), desc, opaque: true };
      return { kind: "set", ids: this.stateSet(ids, desc, -1), desc };
    }
    if (fn === "remove") {
      const ids = a.ids.filter((id) => !b.ids.includes(id));
      const desc: TDesc = { ...a.desc, except: [...(a.desc.except ?? []), ...b.ids].sort((x, y) => x - y) };
      if (a.opaque || b.opaque || a.desc.or) return { kind: "set", ids: this.statement(ids), desc, opaque: true };
      if (ids.length === 0) {
        this.reason([{ claim: { kind: "count", n: 0, desc } }]);
        return { kind: "set", ids, desc };
      }
      const [sentence] = this.reason([{ claim: { kind: "enumeration", ids, desc } }]);
      return { kind: "set", ids: (sentence.claim as Extract<TClaim, { kind: "enumeration" }>).ids, desc };
    }
    const ids = a.ids.filter((id) => b.ids.includes(id));
    return { kind: "set", ids: this.statement(ids), desc: a.desc, opaque: true };
  }

  private transformNode(inputs: Belief[], attribute: Attribute, value: string): Belief {
    const [base, target] = inputs;
    if (base?.kind !== "set") throw new Error("transform needs the scene");
    const targets = target?.kind === "set" ? target.ids : target?.kind === "object" ? [target.id] : [];
    const hyp: Hyp = new Map(base.hyp ?? []);
    for (const id of targets) hyp.set(id, { ...(hyp.get(id) ?? {}), [attribute]: value });
    const subject = targets.length ? listIds(targets) : "nothing";
    this.reason([{ text: `If ${subject} became ${value}, ${targets.length === 1 ? "its" : "their"} ${attribute} would be ${value}`, hypothetical: true, mentions: targets }]);
    return { kind: "set", ids: base.ids, desc: base.desc, hyp };
  }

  /**
   * A filter over a hypothetical scene (after transform_*): the unchanged objects go through the
   * real tool; the changed ones are judged by their hypothetical attributes, in unchecked text.
   */
  private hypotheticalFilter(input: Extract<Belief, { kind: "set" }>, attribute: Attribute, value: string): Belief {
    const hyp = input.hyp!;
    const changed = input.ids.filter((id) => hyp.has(id));
    const unchanged = input.ids.filter((id) => !hyp.has(id));
    const realDesc: TDesc = { ...input.desc, except: changed.length ? changed : undefined };
    if (unchanged.length && !this.state.sets.has(setKey(unchanged))) {
      this.reason([{ claim: { kind: "enumeration", ids: unchanged, desc: realDesc } }]);
    }
    const { output, ok } = this.toolCall("filter", { objects: unchanged.map(objectId), attribute, value });
    const desc: TDesc = { ...realDesc, attrs: { ...realDesc.attrs, [attribute]: value } };
    let kept: number[] = [];
    if (!ok) {
      this.warnings.push(`filter(${attribute} = "${value}") failed: ${(output as { error: string }).error}`);
      this.reason([{ text: "The tool rejected the call, and nothing is kept" }]);
    } else {
      kept = toIds(output);
      if (kept.length === 0) this.reason([{ claim: { kind: "count", n: 0, desc } }]);
      else this.reason([{ claim: { kind: "members", ids: kept, desc } }]);
    }
    const matched = changed.filter((id) => (hyp.get(id)?.[attribute] ?? this.scene.objects[id]?.[attribute]) === value);
    const ids = [...kept, ...matched].sort((a, b) => a - b);
    if (matched.length) {
      this.reason([{ text: `The ${renderDesc({ attrs: desc.attrs }, true)} would be ${listIds(ids)}`, hypothetical: true, list: ids, mentions: ids }]);
    } else if (changed.length) {
      this.reason([{ text: `${listIds(changed)} would not be ${value}`, hypothetical: true, mentions: changed }]);
    }
    return { kind: "set", ids, desc: { ...input.desc, attrs: { ...input.desc.attrs, [attribute]: value } }, hyp: new Map([...hyp].filter(([id]) => ids.includes(id))) };
  }

  private checkOutput(i: number, value: Belief | undefined): void {
    const node = this.program[i];
    if (node._output === undefined || !value) return;
    const ok = value.kind === "set" ? sameIds(node._output, value.ids)
      : value.kind === "object" ? node._output === value.id
      : value.kind === "number" ? node._output === value.n
      : value.kind === "bool" ? node._output === value.b
      : value.kind === "word" ? node._output === value.w : true;
    if (!ok) this.warnings.push(`node ${i} (${nodeFunction(node)}): _output ${JSON.stringify(node._output)} differs from execution`);
  }
}

function answerText(value: Belief | undefined): string {
  if (!value) return "";
  switch (value.kind) {
    case "number":
      return String(value.n);
    case "bool":
      return value.b ? "yes" : "no";
    case "word":
      return value.w;
    case "object":
      return objectId(value.id);
    case "set":
      return value.ids.map(objectId).join(", ") || "none";
    default:
      return "";
  }
}

/** The plan sentence; `values` fills node values the program lacks (recovered from _output). */
export function planText(program: ProgramNode[], values: ReadonlyMap<number, string> = new Map()): string {
  const parts: string[] = [];
  for (const [index, node] of program.entries()) {
    const fn = nodeFunction(node);
    const v = values.get(index) ?? nodeValue(node);
    if (fn === "scene") { if (!parts.includes("detect the objects")) parts.push("detect the objects"); }
    else if (fn.startsWith("filter_")) parts.push(`keep the ${v ?? fn.slice(7)} ones`);
    else if (fn === "relate") parts.push(`find what is ${v === "front" ? "in front" : v} of it`);
    else if (fn === "count") parts.push("count them");
    else if (fn === "exist") parts.push("check whether any exist");
    else if (fn.startsWith("query_")) parts.push(`read its ${fn.slice(6)}`);
    else if (fn.startsWith("same_")) parts.push(`find the others with the same ${fn.slice(5)}`);
    else if (fn.startsWith("equal_") && fn !== "equal_integer") parts.push(`compare their ${fn.slice(6)}`);
    else if (fn === "union") parts.push("combine the two groups");
    else if (fn === "intersect") parts.push("keep what the two groups share");
    else if (fn === "remove") parts.push("remove the second group from the first");
    else if (fn.startsWith("transform_")) parts.push(`imagine the ${fn.slice(10)} changed to ${v}`);
    else if (fn === "less_than" || fn === "greater_than" || fn === "equal_integer") parts.push("compare the counts");
  }
  return `Plan: ${parts.join(", then ")}.`;
}

