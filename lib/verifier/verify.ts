import { argIssues, clearToolCaches, getTool, invalidArgsOutcome, type ToolDefinition, type ToolOutcome } from "@/lib/tools/registry";
import { parseObjectId, type Attribute, type Scene, type SceneObject } from "@/lib/tools/scene";
import { isClevr } from "@/lib/scenes/index";
import { parseReasoning, type Claim, type Desc } from "@/lib/verifier/claims";
import { compareIdsResult, compareKeyedResult, idKey, isErrorResult, resultKey, type Comparison, type IdKey } from "@/lib/verifier/compare";
import { clearCompletenessCache, programCompleteness, type CallLike } from "@/lib/verifier/completeness";
import { isEnabled, type VerifierSettings } from "@/lib/verifier/config";
import { clearAnswerCache, normalizeAnswer } from "@/lib/verifier/normalize";
import { photoClaimsVerdict } from "@/lib/verifier/photo-claims";
import { RULE_IDS, type RuleId } from "@/lib/verifier/rules";
import { scoreTrace, type RuleTally, type ScoreParts } from "@/lib/verifier/score";

// verifyTrace: every rule of docs/design.md §5 over one trace, as a pure deterministic function of the
// steps, the scene (when there is one), the ground truth and the settings. One forward pass:
// what earlier steps produced (ids, id sets, variables, the last conclusion) is accumulated as
// the pass goes, so cross-step rules never look ahead except for "does this call get a result".

export type Outcome = "pass" | "fail" | "skip";

export interface VerifyStep {
  kind: string;
  text?: string | null;
  tool?: string | null;
  callId?: string | null;
  args?: unknown;
  result?: unknown;
}

export interface VerifyInput {
  steps: VerifyStep[];
  /** Ground-truth answer as text, when known. */
  answer?: string | null;
  /** CLEVR functional program, when known (step completeness). */
  program?: unknown;
  scene?: Scene | null;
}

export interface Evidence {
  expected?: unknown;
  found?: unknown;
  claim?: string;
}

export interface RuleVerdict {
  step: number;
  rule: RuleId;
  outcome: Outcome;
  message: string;
  evidence: Evidence | null;
}

export interface TraceVerification {
  /** Built when first read (the pass records verdicts compactly; most callers only need the rest). */
  readonly verdicts: RuleVerdict[];
  /** How many verdicts the pass recorded. */
  readonly verdictCount: number;
  /** Every verdict in order without building an object per verdict (the bulk persistence path). */
  eachVerdict(visit: (step: number, rule: RuleId, outcome: Outcome, message: string, evidence: Evidence | null) => void): void;
  /** Per step: fail when any rule fails on it, pass when one passes, skip otherwise. */
  outcomes: Outcome[];
  failingSteps: number;
  /** Tool calls, and those whose call and result both have no failing rule. */
  calls: number;
  accurateCalls: number;
  completeness: number | null;
  finalCorrect: boolean | null;
  quality: number;
  valid: boolean;
  parts: ScoreParts;
}

/** A tool call as the pass goes: what later steps (its result, claims citing it) need of it. */
interface CallRecord extends CallLike {
  index: number;
  definition: ToolDefinition | undefined;
  /** args passed the tool's schema (known when args.schema ran). */
  validated: boolean;
  outcome?: ToolOutcome;
  /** The first result step answering it, -1 while none. */
  resultStep: number;
}

/** Everything keyed by one call id: the first call using it and the results naming it. */
interface CallIdSlot {
  call: CallRecord | null;
  /** A result naming this id has been seen (whether or not a call preceded it). */
  answered: boolean;
}

const NO_SCENE = "no scene graph for this trace";

// Inside the pass a rule is its index in RULE_IDS and an outcome its index in OUTCOMES (also a
// tally's slot): a verdict is recorded as one packed number (code), the strings come when the
// verdicts are read (TraceResult).
const SCHEMA = RULE_IDS.indexOf("args.schema");
const REFS = RULE_IDS.indexOf("args.refs");
const REEXEC = RULE_IDS.indexOf("result.reexec");
const CLAIMS = RULE_IDS.indexOf("reasoning.claims");
const PAIRING = RULE_IDS.indexOf("cross.pairing");
const PROPAGATION = RULE_IDS.indexOf("cross.propagation");
const ANSWER = RULE_IDS.indexOf("cross.answer");
const FINAL = RULE_IDS.indexOf("final.correct");
type RuleIndex = number;

const OUTCOMES: readonly Outcome[] = ["pass", "fail", "skip"];
const PASS = 0;
const FAIL = 1;
const SKIP = 2;
type OutcomeIndex = typeof PASS | typeof FAIL | typeof SKIP;

/** step, rule and outcome of a verdict in one small integer (rule < 8, outcome < 4). */
const verdictCode = (step: number, rule: RuleIndex, outcome: OutcomeIndex): number => step * 32 + rule * 4 + outcome;

/** The object ids earlier steps produced: a bitmask for ids below 31, a Set beyond. */
class ProducedIds {
  private mask = 0;
  private large: Set<number> | null = null;
  add(id: number): void {
    if (id <= 30) this.mask |= 1 << id;
    else (this.large ??= new Set()).add(id);
  }
  /** Every id of an idKey bitmask (ids below 31). */
  addMask(mask: number): void {
    this.mask |= mask;
  }
  has(id: number): boolean {
    return id <= 30 ? (this.mask & (1 << id)) !== 0 : (this.large?.has(id) ?? false);
  }
  /** Ids of a result list already known to be one (resultKey ≠ null). */
  addResult(items: unknown[]): void {
    for (const item of items) {
      const id = parseObjectId(typeof item === "object" && item !== null ? (item as { id?: unknown }).id : item);
      if (id !== null) this.add(id);
    }
  }
}

interface RuleFlags {
  schema: boolean;
  refs: boolean;
  reexec: boolean;
  claims: boolean;
  pairing: boolean;
  propagation: boolean;
  answer: boolean;
  final: boolean;
}

const flagCache = new WeakMap<VerifierSettings, RuleFlags>();

function flagsOf(settings: VerifierSettings): RuleFlags {
  let flags = flagCache.get(settings);
  if (!flags) {
    flags = {
      schema: isEnabled(settings, "args.schema"),
      refs: isEnabled(settings, "args.refs"),
      reexec: isEnabled(settings, "result.reexec"),
      claims: isEnabled(settings, "reasoning.claims"),
      pairing: isEnabled(settings, "cross.pairing"),
      propagation: isEnabled(settings, "cross.propagation"),
      answer: isEnabled(settings, "cross.answer"),
      final: isEnabled(settings, "final.correct"),
    };
    flagCache.set(settings, flags);
  }
  return flags;
}

/** Empties the memo caches (normalised answers, detect queries, argument issues, compiled programs): benchmarks start cold with it. */
export function resetVerifierCaches(): void {
  clearAnswerCache();
  clearToolCaches();
  clearCompletenessCache();
}

export function verifyTrace(input: VerifyInput, settings: VerifierSettings): TraceVerification {
  return new TraceVerifier(input, settings).run();
}

/**
 * One pass over one trace. A class rather than closures: this runs for every trace of a run, so
 * its per-trace state is kept to a few small collections (docs/design.md §10: ≥ 1M steps/s).
 */
class TraceVerifier {
  private readonly steps: VerifyStep[];
  private readonly scene: Scene | null;
  private readonly flags: RuleFlags;
  /** Per verdict three entries: its code (verdictCode), message and evidence. */
  private readonly log: Array<number | string | Evidence | null> = [];
  private readonly outcomes: Outcome[];
  /** Every call in step order (step completeness, tool-call accuracy). */
  private readonly calls: CallRecord[] = [];
  private readonly callIds = new Map<string, CallIdSlot>();
  /** idKeys of the id lists earlier steps produced; starts with the empty list. A trace has few. */
  private readonly producedSets: IdKey[] = [0];
  private readonly producedIds = new ProducedIds();
  private readonly countCalls: CallRecord[] = [];
  /** The last result step per call id, indexed on demand (answeredLater). */
  private lastResults: Map<string, number> | null = null;
  private conclusion: string | null = null;
  /** The last final.correct verdict: null when it skipped (or there is none). */
  private finalCorrect: boolean | null = null;

  constructor(
    private readonly input: VerifyInput,
    private readonly settings: VerifierSettings,
  ) {
    this.steps = input.steps;
    this.scene = input.scene ?? null;
    this.flags = flagsOf(settings);
    this.outcomes = new Array<Outcome>(this.steps.length).fill("skip");
  }

  private add(step: number, rule: RuleIndex, outcome: OutcomeIndex, message: string, evidence: Evidence | null = null): void {
    this.log.push(verdictCode(step, rule, outcome), message, evidence);
    if (outcome === FAIL) this.outcomes[step] = "fail";
    else if (outcome === PASS && this.outcomes[step] === "skip") this.outcomes[step] = "pass";
  }

  private execute(call: CallRecord): ToolOutcome | null {
    if (!this.scene || !call.definition?.execute) return null;
    if (!call.outcome) call.outcome = call.definition.execute(this.scene, call.args, { validated: call.validated });
    return call.outcome;
  }

  /**
   * result.reexec's comparison. Calls whose result lists objects are re-executed down to the ids
   * (executeIds): an id set is all the comparison needs, and building the full result (objects
   * with boxes, "obj_3" strings read back) is left to the failures that show it as evidence.
   */
  private reexecute(call: CallRecord, found: unknown, foundKey: IdKey | null): Comparison {
    const scene = this.scene!;
    const executeIds = call.definition!.executeIds;
    if (executeIds && !call.outcome) {
      const ids = executeIds(scene, call.args, { validated: call.validated });
      if (ids.ok) return compareIdsResult(ids.ids, found, foundKey, scene, this.settings, ids);
      call.outcome = ids;
    }
    return compareKeyedResult(this.execute(call)!, found, foundKey, scene, this.settings);
  }

  /** The one look-ahead: does a later step record a result for this call id? */
  private answeredLater(i: number, callId: string): boolean {
    if (!callId) return false;
    const { steps } = this;
    // usually the next step does: look a few steps ahead before indexing the whole trace (once)
    const near = Math.min(steps.length, i + 8);
    for (let j = i + 1; j < near; j++) if (steps[j].kind === "tool_result" && steps[j].callId === callId) return true;
    if (near === steps.length) return false;
    if (!this.lastResults) {
      this.lastResults = new Map();
      for (let j = 0; j < steps.length; j++) if (steps[j].kind === "tool_result" && steps[j].callId) this.lastResults.set(steps[j].callId!, j);
    }
    return (this.lastResults.get(callId) ?? -1) > i;
  }

  private slot(callId: string): CallIdSlot {
    let slot = this.callIds.get(callId);
    if (!slot) {
      slot = { call: null, answered: false };
      this.callIds.set(callId, slot);
    }
    return slot;
  }

  run(): TraceVerification {
    const { steps } = this;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === "tool_call") this.toolCall(i, step);
      else if (step.kind === "tool_result") this.toolResult(i, step);
      else if (step.kind === "reasoning") this.reasoning(i, step);
      else if (step.kind === "answer") this.answer(i, step);
    }
    return this.finish();
  }

  private toolCall(i: number, step: VerifyStep): void {
    const tool = step.tool ? getTool(step.tool) : undefined;
    const args = (step.args && typeof step.args === "object" ? step.args : {}) as Record<string, unknown>;
    const callId = step.callId ?? "";
    let validated = false;
    // args the schema refuses: re-executing the call gives exactly that refusal, so it is kept
    let refused: ToolOutcome | undefined;
    if (this.flags.schema) {
      if (!tool) this.add(i, SCHEMA, FAIL, `unknown tool "${step.tool}"`, { found: step.tool });
      else {
        const issues = argIssues(tool, args, this.scene);
        validated = issues === null;
        if (validated) this.add(i, SCHEMA, PASS, "args are valid");
        else {
          if (tool.execute) refused = invalidArgsOutcome(issues!);
          this.add(i, SCHEMA, FAIL, issues!.join("; "), { expected: `valid ${tool.name} args`, found: args });
        }
      }
    }
    if (this.flags.refs) checkRefs(i, tool, args, this.scene, this);
    const slot = this.slot(callId);
    if (this.flags.pairing) {
      const earlier = callId ? slot.call : null;
      if (earlier) this.add(i, PAIRING, FAIL, `call id "${callId}" is used by an earlier call (step ${earlier.index})`, { found: callId });
      else if (this.answeredLater(i, callId)) this.add(i, PAIRING, PASS, "a later step records its result");
      else this.add(i, PAIRING, FAIL, `call ${callId || "(no id)"} gets no result`, { expected: `a tool_result for ${callId}`, found: null });
    }
    if (this.flags.propagation) checkPropagation(i, tool, args, this.producedSets, this.producedIds, this.callIds, this);
    const record: CallRecord = { index: i, tool: step.tool ?? "", definition: tool, args, validated, outcome: refused, resultStep: -1 };
    this.calls.push(record);
    // a call id names the first call using it; a call's id is a variable later calls may read
    slot.call ??= record;
    if (tool?.name === "count") this.countCalls.push(record);
  }

  private toolResult(i: number, step: VerifyStep): void {
    const callId = step.callId ?? "";
    const slot = this.callIds.get(callId);
    const call = slot?.call ?? null;
    if (call && call.resultStep < 0) call.resultStep = i;
    if (this.flags.pairing) {
      if (!call) this.add(i, PAIRING, FAIL, `answers no earlier call (no tool_call "${callId}" before it)`, { found: callId });
      else if (slot!.answered) this.add(i, PAIRING, FAIL, `call ${callId} already has a result`, { found: callId });
      else this.add(i, PAIRING, PASS, "answers an earlier call");
    }
    (slot ?? this.slot(callId)).answered = true;
    // the recorded result's id set, read once: compared with re-execution and remembered as produced
    const key = resultKey(step.result);
    if (this.flags.reexec) {
      if (!call) this.add(i, REEXEC, SKIP, "answers no call");
      else if (!call.definition?.execute) this.add(i, REEXEC, SKIP, `${call.definition?.name ?? "this tool"} cannot be re-executed here`);
      else if (!this.scene) this.add(i, REEXEC, SKIP, NO_SCENE);
      else {
        const comparison = this.reexecute(call, step.result, key);
        // evidence is kept for failures only: a pass's "found" is the step itself
        if (comparison.skip) this.add(i, REEXEC, SKIP, comparison.message);
        else if (comparison.same) this.add(i, REEXEC, PASS, comparison.message);
        else {
          const outcome = this.execute(call)!;
          this.add(i, REEXEC, FAIL, comparison.message, { expected: outcome.ok ? outcome.value : { error: outcome.error }, found: step.result });
        }
      }
    }
    if (key !== null) {
      if (!this.producedSets.includes(key)) this.producedSets.push(key);
      if (typeof key === "number") this.producedIds.addMask(key);
      else this.producedIds.addResult(step.result as unknown[]);
    }
    if (call?.definition?.concludes && step.result !== null && step.result !== undefined && !isErrorResult(step.result)) {
      this.conclusion = normalizeAnswer(String(step.result));
    }
  }

  private reasoning(i: number, step: VerifyStep): void {
    const parsed = parseReasoning(step.text ?? "");
    if (this.flags.claims) {
      if (parsed.claims.length === 0) this.add(i, CLAIMS, SKIP, parsed.hypothetical ? "hypothetical reasoning only" : "no checkable claims");
      else if (!this.scene) this.add(i, CLAIMS, SKIP, NO_SCENE);
      else if (!isClevr(this.scene)) this.photoClaims(i, parsed.claims);
      else checkClaims(i, parsed.claims, this.scene, this.countCalls, this, this.settings);
    }
    for (const set of parsed.sets) {
      const key = idKey(set);
      if (!this.producedSets.includes(key)) this.producedSets.push(key);
    }
    for (const id of parsed.ids) this.producedIds.add(id);
    // "what the last reasoning concluded": a reasoning step without a conclusion resets it
    this.conclusion = parsed.conclusion === null ? null : normalizeAnswer(parsed.conclusion);
  }

  /** reasoning.claims on a photo scene: through the scene type (lib/verifier/photo-claims.ts). */
  private photoClaims(i: number, claims: Claim[]): void {
    const verdict = photoClaimsVerdict(claims, this.scene!, (back) => {
      const call = this.countCalls[this.countCalls.length - 1 - back];
      const outcome = call ? this.execute(call) : null;
      return outcome?.ok && !outcome.undecided && typeof outcome.value === "number" ? outcome.value : null;
    });
    this.add(i, CLAIMS, verdict.outcome === "pass" ? PASS : verdict.outcome === "fail" ? FAIL : SKIP, verdict.message, verdict.evidence);
  }

  private answer(i: number, step: VerifyStep): void {
    const answer = normalizeAnswer(step.text ?? "");
    const conclusion = this.conclusion;
    if (this.flags.answer) {
      if (!answer) this.add(i, ANSWER, FAIL, "no answer given", { expected: conclusion, found: step.text ?? "" });
      else if (conclusion === null) this.add(i, ANSWER, SKIP, "no earlier reasoning states a conclusion");
      else if (answer === conclusion) this.add(i, ANSWER, PASS, "matches the last reasoning's conclusion");
      else this.add(i, ANSWER, FAIL, `the last reasoning concluded "${conclusion}"`, { expected: conclusion, found: step.text });
    }
    if (this.flags.final) {
      const truth = normalizeAnswer(this.input.answer ?? null);
      if (truth === null || truth === "") {
        this.add(i, FINAL, SKIP, "no ground truth");
        this.finalCorrect = null;
      } else if (answer === truth) {
        this.add(i, FINAL, PASS, "equals the ground truth");
        this.finalCorrect = true;
      } else {
        this.add(i, FINAL, FAIL, `the ground truth is "${this.input.answer}"`, { expected: this.input.answer, found: step.text });
        this.finalCorrect = false;
      }
    }
  }

  private finish(): TraceVerification {
    const { outcomes, log, calls, finalCorrect } = this;
    let failingSteps = 0;
    for (const outcome of outcomes) if (outcome === "fail") failingSteps++;
    let accurateCalls = 0;
    for (const call of calls) {
      if (outcomes[call.index] !== "fail" && call.resultStep >= 0 && outcomes[call.resultStep] !== "fail") accurateCalls++;
    }
    const completeness = programCompleteness(this.input.program, calls);
    const score = scoreTrace(tallyLog(log), completeness, finalCorrect, this.settings);
    score.parts.calls = calls.length;
    score.parts.accurateCalls = accurateCalls;
    return new TraceResult(log, outcomes, failingSteps, calls.length, accurateCalls, completeness, finalCorrect, score.quality, failingSteps === 0 && finalCorrect !== false, score.parts);
  }

  // ---- used by the rule helpers below ----
  report(step: number, rule: RuleIndex, outcome: OutcomeIndex, message: string, evidence: Evidence | null = null): void {
    this.add(step, rule, outcome, message, evidence);
  }

  run1(call: CallRecord): ToolOutcome | null {
    return this.execute(call);
  }
}

/**
 * Rule tallies of a verdict log, rules in the order of their first verdict (the order ScoreParts
 * has always listed them in, so stored parts stay byte-identical).
 */
function tallyLog(log: ReadonlyArray<unknown>): Partial<Record<RuleId, RuleTally>> {
  const byRule: Array<RuleTally | undefined> = [];
  const rules: Partial<Record<RuleId, RuleTally>> = {};
  for (let k = 0; k < log.length; k += 3) {
    const code = log[k] as number;
    const rule = (code >> 2) & 7;
    let tally = byRule[rule];
    if (tally === undefined) {
      tally = byRule[rule] = [0, 0, 0];
      rules[RULE_IDS[rule]] = tally;
    }
    tally[code & 3]++;
  }
  return rules;
}

/** verifyTrace's answer. Verdict objects are built from the log when `verdicts` is first read. */
class TraceResult implements TraceVerification {
  readonly #log: ReadonlyArray<number | string | Evidence | null>;
  #verdicts: RuleVerdict[] | null = null;

  constructor(
    log: ReadonlyArray<number | string | Evidence | null>,
    readonly outcomes: Outcome[],
    readonly failingSteps: number,
    readonly calls: number,
    readonly accurateCalls: number,
    readonly completeness: number | null,
    readonly finalCorrect: boolean | null,
    readonly quality: number,
    readonly valid: boolean,
    readonly parts: ScoreParts,
  ) {
    this.#log = log;
  }

  get verdictCount(): number {
    return this.#log.length / 3;
  }

  eachVerdict(visit: (step: number, rule: RuleId, outcome: Outcome, message: string, evidence: Evidence | null) => void): void {
    const log = this.#log;
    for (let k = 0; k < log.length; k += 3) {
      const code = log[k] as number;
      visit(Math.floor(code / 32), RULE_IDS[(code >> 2) & 7], OUTCOMES[code & 3], log[k + 1] as string, log[k + 2] as Evidence | null);
    }
  }

  get verdicts(): RuleVerdict[] {
    if (this.#verdicts === null) {
      const verdicts: RuleVerdict[] = [];
      this.eachVerdict((step, rule, outcome, message, evidence) => verdicts.push({ step, rule, outcome, message, evidence }));
      this.#verdicts = verdicts;
    }
    return this.#verdicts;
  }
}

interface Reporter {
  report(step: number, rule: RuleIndex, outcome: OutcomeIndex, message: string, evidence?: Evidence | null): void;
  run1(call: CallRecord): ToolOutcome | null;
}

function checkRefs(i: number, tool: ToolDefinition | undefined, args: Record<string, unknown>, scene: Scene | null, r: Reporter): void {
  const objectArgs = tool?.objectArgs;
  if (!objectArgs) return void r.report(i, REFS, SKIP, "the call names no objects");
  if (!scene) return void r.report(i, REFS, SKIP, NO_SCENE);
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
  if (refs === 0) r.report(i, REFS, SKIP, "the call names no objects");
  else if (unknown === null) r.report(i, REFS, PASS, "every object exists");
  else r.report(i, REFS, FAIL, `unknown object ${unknown.join(", ")} (scene has obj_0 … obj_${objectCount - 1})`, { expected: `objects obj_0 … obj_${objectCount - 1}`, found: unknown });
}

/** Why `ref` names no object of a scene of `objectCount` objects; null when it names one. */
function unknownRef(ref: unknown, objectCount: number): string | null {
  const id = parseObjectId(ref);
  if (id === null) return `${JSON.stringify(ref)} is not an object id`;
  return id >= objectCount ? `obj_${id}` : null;
}

function checkPropagation(
  i: number,
  tool: ToolDefinition | undefined,
  args: Record<string, unknown>,
  producedSets: readonly IdKey[],
  producedIds: ProducedIds,
  callIds: ReadonlyMap<string, CallIdSlot>,
  r: Reporter,
): void {
  if (!tool) return void r.report(i, PROPAGATION, SKIP, "unknown tool");
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
  if (checked === 0) r.report(i, PROPAGATION, SKIP, "the call uses no earlier values");
  else if (missing === null) r.report(i, PROPAGATION, PASS, "uses only values earlier steps produced");
  else r.report(i, PROPAGATION, FAIL, `uses ${missing.map((m) => JSON.stringify(m)).join(", ")}, which no earlier step produced`, { expected: "ids, id lists and variables produced by earlier steps", found: missing });
}

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

// ---- claims ----------------------------------------------------------------------------

/**
 * Which scene objects fit a description. The description is read once: Desc objects come in many
 * shapes (attribute subsets, optional relation, same-as, exclusion, either/or), so reading them
 * afresh for every object of the scene was most of the cost of checking a claim.
 */
class Matcher {
  private readonly color: string | undefined;
  private readonly size: string | undefined;
  private readonly shape: string | undefined;
  private readonly material: string | undefined;
  /** The objects related to the description's reference object; null: no relation constraint. */
  private readonly related: readonly number[] | null;
  /** A relation is named but the scene has no such row: nothing fits. */
  private readonly nothing: boolean;
  /** A description names its anchor object ("the red cube") but several objects fit it: the claim cannot be checked. */
  ambiguous: boolean;
  private readonly sameAttribute: Attribute | null;
  private readonly reference: SceneObject | null;
  private readonly except: readonly number[] | null;
  private readonly either: [Matcher, Matcher] | null;

  constructor(desc: Desc, scene: Scene) {
    const { color, size, shape, material } = desc.attrs;
    this.color = color;
    this.size = size;
    this.shape = shape;
    this.material = material;
    let nothing = false;
    this.related = null;
    this.ambiguous = false;
    if (desc.rel) {
      let object = desc.rel.object;
      if (desc.rel.anchor) {
        // "left of the cyan cylinder": the description must name one object of the scene
        const anchors = matching(desc.rel.anchor, scene);
        if (anchors.length > 1) this.ambiguous = true;
        object = anchors.length === 1 ? anchors[0] : -1;
      }
      const row = object >= 0 ? scene.relationships[desc.rel.relation]?.[object] : undefined;
      if (row) this.related = row;
      else nothing = true;
    }
    this.sameAttribute = null;
    this.reference = null;
    if (desc.same) {
      const reference = scene.objects[desc.same.object];
      if (reference) {
        this.sameAttribute = desc.same.attribute;
        this.reference = reference;
      } else nothing = true;
    }
    this.nothing = nothing;
    this.except = desc.except ?? null;
    this.either = desc.or ? [new Matcher(desc.or[0], scene), new Matcher(desc.or[1], scene)] : null;
    if (this.either && (this.either[0].ambiguous || this.either[1].ambiguous)) this.ambiguous = true;
  }

  fits(object: SceneObject): boolean {
    if (this.nothing) return false;
    if (this.color !== undefined && object.color !== this.color) return false;
    if (this.size !== undefined && object.size !== this.size) return false;
    if (this.shape !== undefined && object.shape !== this.shape) return false;
    if (this.material !== undefined && object.material !== this.material) return false;
    if (this.related !== null && !this.related.includes(object.index)) return false;
    if (this.reference !== null && (object.index === this.reference.index || object[this.sameAttribute!] !== this.reference[this.sameAttribute!])) return false;
    if (this.except !== null && this.except.includes(object.index)) return false;
    if (this.either !== null && !this.either[0].fits(object) && !this.either[1].fits(object)) return false;
    return true;
  }
}

function matching(desc: Desc, scene: Scene): number[] {
  const matcher = new Matcher(desc, scene);
  const ids: number[] = [];
  for (const object of scene.objects) if (matcher.fits(object)) ids.push(object.index);
  return ids;
}

/** idKey and size of the objects fitting a description, without building the list. */
function matchingKey(desc: Desc, scene: Scene): { key: IdKey; count: number } {
  if (scene.objects.length > 31) {
    const ids = matching(desc, scene);
    return { key: idKey(ids), count: ids.length };
  }
  const matcher = new Matcher(desc, scene);
  let mask = 0;
  let count = 0;
  for (const object of scene.objects) {
    if (matcher.fits(object)) {
      mask |= 1 << object.index;
      count++;
    }
  }
  return { key: mask, count };
}

const names = (ids: readonly number[]) => (ids.length ? ids.map((id) => `obj_${id}`).join(", ") : "none");

interface ClaimCheck {
  ok: boolean;
  expected: unknown;
  found: unknown;
}

const TRUE: ClaimCheck = { ok: true, expected: null, found: null };
const FALSE: ClaimCheck = { ok: false, expected: null, found: null };

/**
 * A claim's truth (null: cannot be checked here). With `explain`, also what was expected and
 * found — built only for the failures the UI shows, not for the millions of passing claims.
 */
function checkClaim(claim: Claim, scene: Scene, countCalls: CallRecord[], r: Reporter, settings: VerifierSettings, explain: boolean): ClaimCheck | null {
  switch (claim.kind) {
    case "members": {
      const matcher = new Matcher(claim.desc, scene);
      if (matcher.ambiguous) return null;
      let ok = true;
      for (const id of claim.ids) {
        const object = scene.objects[id];
        if (!object || matcher.fits(object) === claim.negated) ok = false;
      }
      if (!explain) return ok ? TRUE : FALSE;
      const wrong = claim.ids.filter((id) => !scene.objects[id] || matcher.fits(scene.objects[id]) === claim.negated);
      return { ok, expected: `${claim.negated ? "none" : "each"} of ${names(claim.ids)} fits`, found: wrong.length ? `${names(wrong)} ${claim.negated ? "fits" : "does not fit"}` : "all fit" };
    }
    case "enumeration": {
      if (claim.desc.rel?.anchor && new Matcher(claim.desc, scene).ambiguous) return null;
      const ok = matchingKey(claim.desc, scene).key === idKey(claim.ids);
      if (!explain) return ok ? TRUE : FALSE;
      return { ok, expected: names(matching(claim.desc, scene)), found: names(claim.ids) };
    }
    case "count": {
      if (claim.desc) {
        if (claim.desc.rel?.anchor && new Matcher(claim.desc, scene).ambiguous) return null;
        const truth = matchingKey(claim.desc, scene);
        const ok = truth.count === claim.n && (claim.ids === null || idKey(claim.ids) === truth.key);
        if (!explain) return ok ? TRUE : FALSE;
        const ids = matching(claim.desc, scene);
        return { ok, expected: claim.ids ? `${ids.length}: ${names(ids)}` : ids.length, found: claim.ids ? `${claim.n}: ${names(claim.ids)}` : claim.n };
      }
      if (claim.ids) {
        const distinct = new Set(claim.ids).size;
        const ok = distinct === claim.n;
        return explain ? { ok, expected: distinct, found: claim.n } : ok ? TRUE : FALSE;
      }
      const cited = countCalls.at(-1);
      const outcome = cited ? r.run1(cited) : null;
      if (!outcome || !outcome.ok) return null;
      const ok = outcome.value === claim.n;
      return explain ? { ok, expected: outcome.value, found: claim.n } : ok ? TRUE : FALSE;
    }
    case "attribute": {
      const object = scene.objects[claim.id];
      const truth = object ? object[claim.attribute] : `no object obj_${claim.id}`;
      const ok = truth === claim.value;
      return explain ? { ok, expected: truth, found: claim.value } : ok ? TRUE : FALSE;
    }
    case "same": {
      for (const id of claim.ids) if (!scene.objects[id]) return explain ? { ok: false, expected: "existing objects", found: names(claim.ids) } : FALSE;
      if (claim.reference !== null) {
        const reference = scene.objects[claim.reference];
        if (!reference) return explain ? { ok: false, expected: "an existing reference object", found: `obj_${claim.reference}` } : FALSE;
        const value = reference[claim.attribute];
        let ok = true;
        for (const id of claim.ids) if (id !== reference.index && scene.objects[id][claim.attribute] !== value) ok = false;
        if (!explain) return ok ? TRUE : FALSE;
        const wrong = claim.ids.filter((id) => id !== reference.index && scene.objects[id][claim.attribute] !== value);
        return { ok, expected: `${claim.attribute} ${value}`, found: wrong.length ? `${names(wrong)} differ` : "all the same" };
      }
      const first = scene.objects[claim.ids[0]][claim.attribute];
      let allSame = true;
      for (const id of claim.ids) if (scene.objects[id][claim.attribute] !== first) allSame = false;
      const ok = allSame === claim.same;
      if (!explain) return ok ? TRUE : FALSE;
      return { ok, expected: claim.same ? "the same" : "different", found: claim.ids.map((id) => scene.objects[id][claim.attribute]).join(" / ") };
    }
    case "compare": {
      const holds = claim.op === "gt" ? claim.a > claim.b : claim.op === "lt" ? claim.a < claim.b : claim.a === claim.b;
      if (holds === claim.negated) return explain ? { ok: false, expected: `${!claim.negated ? "not " : ""}${claim.op}`, found: `${claim.a} ${claim.op} ${claim.b}` } : FALSE;
      if (countCalls.length < 2) return TRUE;
      const first = r.run1(countCalls[countCalls.length - 2]);
      const second = r.run1(countCalls[countCalls.length - 1]);
      if (!first?.ok || !second?.ok) return TRUE;
      const t1 = first.value as number;
      const t2 = second.value as number;
      const ok = (claim.a === t1 && claim.b === t2) || (claim.a === t2 && claim.b === t1);
      return explain ? { ok, expected: `the counts ${t1} and ${t2}`, found: `${claim.a} and ${claim.b}` } : ok ? TRUE : FALSE;
    }
    case "distance": {
      const a = scene.objects[claim.a]?.coords3d;
      const b = scene.objects[claim.b]?.coords3d;
      if (!a || !b) return null;
      const truth = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      const ok = Math.abs(truth - claim.value) <= settings.tolerances.claimNumber;
      return explain ? { ok, expected: Math.round(truth * 100) / 100, found: claim.value } : ok ? TRUE : FALSE;
    }
  }
}

function checkClaims(i: number, claims: Claim[], scene: Scene, countCalls: CallRecord[], r: Reporter, settings: VerifierSettings): void {
  let checked = 0;
  let firstFalse: { claim: Claim; check: ClaimCheck } | null = null;
  let falseCount = 0;
  for (const claim of claims) {
    const check = checkClaim(claim, scene, countCalls, r, settings, false);
    if (!check) continue;
    checked++;
    if (!check.ok) {
      falseCount++;
      firstFalse ??= { claim, check: checkClaim(claim, scene, countCalls, r, settings, true)! };
    }
  }
  if (checked === 0) r.report(i, CLAIMS, SKIP, "no claim could be checked");
  else if (!firstFalse) r.report(i, CLAIMS, PASS, checked === 1 ? "the claim is true of the scene" : "every claim is true of the scene");
  else {
    r.report(i, CLAIMS, FAIL, `false: "${firstFalse.claim.text}"${falseCount > 1 ? ` (and ${falseCount - 1} more)` : ""}`, {
      claim: firstFalse.claim.text,
      expected: firstFalse.check.expected,
      found: firstFalse.check.found,
    });
  }
}
