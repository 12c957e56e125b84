import { clearToolCaches, getTool, type ToolDefinition, type ToolOutcome } from "@/lib/tools/registry";
import type { Scene } from "@/lib/tools/scene";
import { parseReasoning, type ParsedReasoning } from "@/lib/verifier/claims";
import { compareIdsResult, compareKeyedResult, idKey, isErrorResult, resultKey, type Comparison, type IdKey } from "@/lib/verifier/compare";
import { clearCompletenessCache, programCompleteness } from "@/lib/verifier/completeness";
import { isEnabled, type VerifierSettings } from "@/lib/verifier/config";
import { clearAnswerCache, normalizeAnswer } from "@/lib/verifier/normalize";
import {
  FAIL,
  OUTCOMES,
  PASS,
  ProducedIds,
  SKIP,
  verdictCode,
  verdictOutcome,
  verdictRule,
  verdictStep,
  type CallIdSlot,
  type CallRecord,
  type Evidence,
  type Outcome,
  type OutcomeIndex,
  type RuleDefinition,
  type StepPass,
  type VerifyInput,
  type VerifyStep,
} from "@/lib/verifier/rule";
import { RULE_DEFINITIONS, RULE_IDS, type RuleId } from "@/lib/verifier/rules";
import { scoreTrace, type RuleTally, type ScoreParts } from "@/lib/verifier/score";

export type { Evidence, Outcome, VerifyInput, VerifyStep } from "@/lib/verifier/rule";
export { AGENT_LOG_FORMATS, NOT_IN_REGISTRY } from "@/lib/verifier/rule";

// verifyTrace: every enabled rule of the registry (lib/verifier/rules.ts, docs/design.md §5) over
// one trace, as a pure deterministic function of the steps, the scene (when there is one), the
// ground truth and the settings. One forward pass: what earlier steps produced (ids, id sets,
// variables, the last conclusion) is accumulated as the pass goes, so cross-step rules never look
// ahead except for "does this call get a result". The walker owns that state; each rule
// (lib/verifier/rules/*.ts) reads it through StepPass and reports its outcome for the step.

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
  /**
   * Per step its coverage (docs/design.md §5 Coverage): null when checked — a rule failed on it, or
   * a rule that reads its content passed (cross.pairing alone only says a call was answered) — else
   * why it is unchecked: the first skip reason, or that no rule checks its kind.
   */
  coverage: Array<string | null>;
  uncheckedSteps: number;
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

/** An enabled rule as the walker calls it: its registry index (the verdict code's rule) and evaluate. */
interface PlannedRule {
  index: number;
  evaluate: (pass: StepPass) => void;
}

type Plan = Record<"tool_call" | "tool_result" | "reasoning" | "answer" | "plan", PlannedRule[]>;

const planCache = new WeakMap<VerifierSettings, Plan>();

/** Per step kind, the enabled rules in evaluation order (`order`, then registry order); once per settings object. */
function planOf(settings: VerifierSettings): Plan {
  let plan = planCache.get(settings);
  if (!plan) {
    const built: Plan = { tool_call: [], tool_result: [], reasoning: [], answer: [], plan: [] };
    for (const kind of Object.keys(built) as Array<keyof Plan>) {
      const rules: ReadonlyArray<RuleDefinition<RuleId>> = RULE_DEFINITIONS;
      built[kind] = rules.map((rule, index) => ({ rule, index, order: rule.order?.[kind] ?? 0 }))
        .filter(({ rule }) => rule.kinds.includes(kind) && isEnabled(settings, rule.id))
        .sort((a, b) => a.order - b.order || a.index - b.index)
        .map(({ rule, index }) => ({ index, evaluate: rule.evaluate }));
    }
    plan = built;
    planCache.set(settings, plan);
  }
  return plan;
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

const NO_ARGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * One pass over one trace, and the StepPass its rules read. A class rather than closures: this
 * runs for every trace of a run, so its per-trace state is kept to a few small collections and one
 * object (itself) serves every rule at every step (docs/design.md §10: ≥ 1M steps/s).
 */
class TraceVerifier implements StepPass {
  readonly steps: VerifyStep[];
  readonly scene: Scene | null;
  private readonly plan: Plan;
  /** Per verdict three entries: its code (verdictCode), message and evidence. */
  private readonly log: Array<number | string | Evidence | null> = [];
  private readonly outcomes: Outcome[];
  /** Per step: checked (a content rule passed or any rule failed), else the first skip reason so far. */
  private readonly checked: boolean[];
  private readonly skipReasons: Array<string | undefined>;
  /** Every call in step order (step completeness, tool-call accuracy). */
  private readonly calls: CallRecord[] = [];
  readonly callIds = new Map<string, CallIdSlot>();
  /** idKeys of the id lists earlier steps produced; starts with the empty list. A trace has few. */
  readonly producedSets: IdKey[] = [0];
  readonly producedIds = new ProducedIds();
  /** Ids the trace's current tool results produced (a stale reasoning step may only restate these). */
  private readonly resultIds = new ProducedIds();
  readonly countCalls: CallRecord[] = [];
  /** The last result step per call id, indexed on demand (answeredLater). */
  private lastResults: Map<string, number> | null = null;
  conclusion: string | null = null;
  /** The last final.correct verdict: null when it skipped (or there is none). */
  private finalCorrect: boolean | null = null;

  // the step being checked (StepPass)
  index = 0;
  step: VerifyStep = { kind: "plan" };
  tool: ToolDefinition | undefined = undefined;
  args: Record<string, unknown> = NO_ARGS;
  callId = "";
  slot: CallIdSlot | undefined = undefined;
  call: CallRecord | null = null;
  resultKey: IdKey | null = null;
  reasoning: ParsedReasoning | null = null;
  answer: string | null = null;
  private validated = false;
  private refused: ToolOutcome | undefined = undefined;
  /** Registry index of the rule being evaluated. */
  private current = 0;

  constructor(
    readonly input: VerifyInput,
    readonly settings: VerifierSettings,
  ) {
    this.steps = input.steps;
    this.scene = input.scene ?? null;
    this.plan = planOf(settings);
    this.outcomes = new Array<Outcome>(this.steps.length).fill("skip");
    this.checked = new Array<boolean>(this.steps.length).fill(false);
    this.skipReasons = new Array<string | undefined>(this.steps.length);
  }

  private add(step: number, rule: number, outcome: OutcomeIndex, message: string, evidence: Evidence | null = null): void {
    this.log.push(verdictCode(step, rule, outcome), message, evidence);
    if (outcome === FAIL) {
      this.outcomes[step] = "fail";
      this.checked[step] = true;
    } else if (outcome === PASS) {
      if (this.outcomes[step] === "skip") this.outcomes[step] = "pass";
      if (COVERS[rule]) this.checked[step] = true;
    } else if (COVERS[rule] && this.skipReasons[step] === undefined) this.skipReasons[step] = message;
  }

  get stepChecked(): boolean {
    return this.checked[this.index];
  }

  pass(message: string, evidence: Evidence | null = null): void {
    this.add(this.index, this.current, PASS, message, evidence);
  }

  fail(message: string, evidence: Evidence | null = null): void {
    this.add(this.index, this.current, FAIL, message, evidence);
  }

  skip(message: string): void {
    this.add(this.index, this.current, SKIP, message);
  }

  markValidated(validated: boolean, refused?: ToolOutcome): void {
    this.validated = validated;
    this.refused = refused;
  }

  setFinalCorrect(value: boolean | null): void {
    this.finalCorrect = value;
  }

  private evaluate(rules: PlannedRule[]): void {
    for (let r = 0; r < rules.length; r++) {
      this.current = rules[r].index;
      rules[r].evaluate(this);
    }
  }

  execute(call: CallRecord): ToolOutcome | null {
    if (!this.scene || !call.definition?.execute) return null;
    if (!call.outcome) call.outcome = call.definition.execute(this.scene, call.args, { validated: call.validated });
    return call.outcome;
  }

  /**
   * result.reexec's comparison. Calls whose result lists objects are re-executed down to the ids
   * (executeIds): an id set is all the comparison needs, and building the full result (objects
   * with boxes, "obj_3" strings read back) is left to the failures that show it as evidence.
   */
  reexecute(call: CallRecord, found: unknown, foundKey: IdKey | null): Comparison {
    const scene = this.scene!;
    const executeIds = call.definition!.executeIds;
    if (executeIds && !call.outcome) {
      const ids = executeIds(scene, call.args, { validated: call.validated });
      if (ids.ok) return compareIdsResult(ids.ids, found, foundKey, scene, this.settings, ids);
      call.outcome = ids;
    }
    return compareKeyedResult(this.execute(call)!, found, foundKey, scene, this.settings);
  }

  answeredLater(callId: string): boolean {
    if (!callId) return false;
    const { steps, index: i } = this;
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

  private slotOf(callId: string): CallIdSlot {
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
      this.index = i;
      this.step = step;
      if (step.kind === "tool_call") this.toolCall(step);
      else if (step.kind === "tool_result") this.toolResult(step);
      else if (step.kind === "reasoning") this.reasoningStep(step);
      else if (step.kind === "answer") this.answerStep(step);
      else if (this.plan.plan.length) this.evaluate(this.plan.plan);
    }
    return this.finish();
  }

  private toolCall(step: VerifyStep): void {
    const tool = step.tool ? getTool(step.tool) : undefined;
    const args = (step.args && typeof step.args === "object" ? step.args : {}) as Record<string, unknown>;
    const callId = step.callId ?? "";
    this.tool = tool;
    this.args = args;
    this.callId = callId;
    this.validated = false;
    this.refused = undefined;
    const slot = this.slotOf(callId);
    this.slot = slot;
    this.evaluate(this.plan.tool_call);
    const record: CallRecord = { index: this.index, tool: step.tool ?? "", definition: tool, args, validated: this.validated, outcome: this.refused, resultStep: -1 };
    this.calls.push(record);
    // a call id names the first call using it; a call's id is a variable later calls may read
    slot.call ??= record;
    if (tool?.name === "count") this.countCalls.push(record);
  }

  private toolResult(step: VerifyStep): void {
    const callId = step.callId ?? "";
    const slot = this.callIds.get(callId);
    const call = slot?.call ?? null;
    if (call && call.resultStep < 0) call.resultStep = this.index;
    // the recorded result's id set, read once: compared with re-execution and remembered as produced
    const key = resultKey(step.result);
    this.tool = undefined;
    this.args = NO_ARGS;
    this.callId = callId;
    this.slot = slot;
    this.call = call;
    this.resultKey = key;
    this.evaluate(this.plan.tool_result);
    (slot ?? this.slotOf(callId)).answered = true;
    if (key !== null) {
      if (!this.producedSets.includes(key)) this.producedSets.push(key);
      if (typeof key === "number") {
        this.producedIds.addMask(key);
        this.resultIds.addMask(key);
      } else {
        this.producedIds.addResult(step.result as unknown[]);
        this.resultIds.addResult(step.result as unknown[]);
      }
    }
    if (call?.definition?.concludes && step.result !== null && step.result !== undefined && !isErrorResult(step.result)) {
      this.conclusion = normalizeAnswer(String(step.result));
    }
  }

  private reasoningStep(step: VerifyStep): void {
    const parsed = parseReasoning(step.text ?? "");
    this.reasoning = parsed;
    this.evaluate(this.plan.reasoning);
    // a stale reasoning step (see VerifyStep.stale) restates only what the current results hold
    const grounded = step.stale ? (id: number) => this.resultIds.has(id) : () => true;
    for (const set of parsed.sets) {
      if (!set.every(grounded)) continue;
      const key = idKey(set);
      if (!this.producedSets.includes(key)) this.producedSets.push(key);
    }
    for (const id of parsed.ids) if (grounded(id)) this.producedIds.add(id);
    // "what the last reasoning concluded": a reasoning step without a conclusion resets it
    this.conclusion = parsed.conclusion === null ? null : normalizeAnswer(parsed.conclusion);
  }

  private answerStep(step: VerifyStep): void {
    this.answer = normalizeAnswer(step.text ?? "");
    this.evaluate(this.plan.answer);
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
    const coverage = this.coverage();
    let unchecked = 0;
    for (const reason of coverage) if (reason !== null) unchecked++;
    return new TraceResult(log, outcomes, coverage, unchecked, failingSteps, calls.length, accurateCalls, completeness, finalCorrect, score.quality, failingSteps === 0 && finalCorrect !== false, score.parts);
  }

  private coverage(): Array<string | null> {
    const { steps, checked, skipReasons } = this;
    const coverage = new Array<string | null>(steps.length);
    for (let i = 0; i < steps.length; i++) coverage[i] = checked[i] ? null : (skipReasons[i] ?? uncheckedReason(steps[i].kind));
    return coverage;
  }
}

/** Per registry index: does the rule's verdict decide a step's coverage (RuleDefinition.covers)? */
const COVERS: readonly boolean[] = RULE_DEFINITIONS.map((rule: RuleDefinition<RuleId>) => rule.covers !== false);

/** Step kinds some rule that reads content checks by default (an optional rule such as reasoning.judge does not count). */
const KINDS_WITH_RULES: ReadonlySet<string> = new Set(RULE_DEFINITIONS.flatMap((rule: RuleDefinition<RuleId>) => (rule.covers === false || !rule.defaults.enabled ? [] : rule.kinds)));

/** Why a step no rule said anything about is unchecked. */
export function uncheckedReason(kind: string): string {
  return KINDS_WITH_RULES.has(kind) ? `every rule that checks ${kind} steps is off` : `no rule checks ${kind} steps`;
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
    const rule = verdictRule(code);
    let tally = byRule[rule];
    if (tally === undefined) {
      tally = byRule[rule] = [0, 0, 0];
      rules[RULE_IDS[rule]] = tally;
    }
    tally[verdictOutcome(code)]++;
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
    readonly coverage: Array<string | null>,
    readonly uncheckedSteps: number,
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
      visit(verdictStep(code), RULE_IDS[verdictRule(code)], OUTCOMES[verdictOutcome(code)], log[k + 1] as string, log[k + 2] as Evidence | null);
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
