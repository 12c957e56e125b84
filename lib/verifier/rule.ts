import type { ToolDefinition, ToolOutcome } from "@/lib/tools/registry";
import { parseObjectId, type Scene } from "@/lib/tools/scene";
import type { ParsedReasoning } from "@/lib/verifier/claims";
import type { Comparison, IdKey } from "@/lib/verifier/compare";
import type { CallLike } from "@/lib/verifier/completeness";
import type { VerifierSettings } from "@/lib/verifier/config";
import type { StepKind } from "@/lib/schemas/trace";

// The contract every verifier rule implements (docs/design.md §5, §17 "How to extend"): one file
// under lib/verifier/rules/ exporting one RuleDefinition<"id">, and one entry in the registry
// (lib/verifier/rules.ts). The rule ids of the settings schema, the default weights of a new
// verifier config, the scopes the ablations switch off, the descriptions the UI shows and the
// verdict encoding's rule index all come from that registry.
//
// verifyTrace walks a trace once, step by step. At each step it sets the StepPass fields for that
// step, then calls `evaluate` of every enabled rule whose `kinds` include the step's kind, in
// `order` (then registry order); a rule reports at most one outcome per step through pass / fail /
// skip. What earlier steps produced (call records, id lists, the last conclusion) is accumulated
// by the walker, so a rule reads the past and never looks ahead (except `answeredLater`).

export type Outcome = "pass" | "fail" | "skip";

export interface VerifyStep {
  kind: string;
  text?: string | null;
  tool?: string | null;
  callId?: string | null;
  args?: unknown;
  result?: unknown;
  /**
   * A reasoning step written before an earlier tool result was changed (edited call re-run) and not
   * revised since: it may restate ids the current results hold, but the ids it names that they no
   * longer hold are not "produced" for later calls (cross.propagation flags the calls still using them).
   */
  stale?: boolean;
}

export interface VerifyInput {
  steps: VerifyStep[];
  /** Ground-truth answer as text, when known. */
  answer?: string | null;
  /** CLEVR functional program, when known (step completeness). */
  program?: unknown;
  scene?: Scene | null;
  /** The format the trace was imported from: agent logs (AGENT_LOG_FORMATS) call tools of their own. */
  format?: string | null;
  /**
   * reasoning.judge: per step index, the LLM judge's answer for it (looked up by the verify service
   * before the pass, docs/design.md §5 "reasoning.judge"); a string says why there is none.
   */
  judgments?: ReadonlyArray<Judgment | string | undefined>;
}

/** An LLM judge's answer about one step (lib/verifier/judge/prompt.ts reads it from the reply). */
export interface Judgment {
  verdict: "correct" | "incorrect" | "unsure";
  rationale: string;
  model: string;
}

/**
 * Formats whose traces call the agent's own tools, not the spatial registry's: a call to a tool the
 * registry does not have is unchecked there ("tool not in the registry"), not wrong. Elsewhere an
 * unknown tool fails args.schema. The code pseudo-tool `python` (CODE_TOOL) is never in the registry.
 */
export const AGENT_LOG_FORMATS: ReadonlySet<string> = new Set(["react-chat", "json-actions", "verifiers", "openai-agents", "react"]);
export const NOT_IN_REGISTRY = "tool not in the registry";
export const CODE_TOOL = "python";

export interface Evidence {
  expected?: unknown;
  found?: unknown;
  claim?: string;
  /** reasoning.judge: the judge's explanation and the model that gave it. */
  rationale?: string;
  model?: string;
}

/** A tool call as the pass goes: what later steps (its result, claims citing it) need of it. */
export interface CallRecord extends CallLike {
  index: number;
  definition: ToolDefinition | undefined;
  /** args passed the tool's schema (known when args.schema ran). */
  validated: boolean;
  outcome?: ToolOutcome;
  /** The first result step answering it, -1 while none. */
  resultStep: number;
}

/** Everything keyed by one call id: the first call using it and the results naming it. */
export interface CallIdSlot {
  call: CallRecord | null;
  /** A result naming this id has been seen (whether or not a call preceded it). */
  answered: boolean;
}

/** The object ids earlier steps produced: a bitmask for ids below 31, a Set beyond. */
export class ProducedIds {
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

/** What a rule sees at one step, and how it reports. One object per trace, refilled at every step. */
export interface StepPass {
  readonly input: VerifyInput;
  readonly settings: VerifierSettings;
  readonly scene: Scene | null;
  /** The step being checked and its index. */
  readonly index: number;
  readonly step: VerifyStep;
  /** tool_call: the tool it names (undefined when unknown) and its args as an object. */
  readonly tool: ToolDefinition | undefined;
  readonly args: Record<string, unknown>;
  /** tool_call / tool_result: its call id ("" when none). */
  readonly callId: string;
  /** tool_call: the slot of its id before this call is recorded (an earlier call with the same id is in it). tool_result: the slot it names, if any. */
  readonly slot: CallIdSlot | undefined;
  /** tool_result: the call it answers (the first call with its id), null when none. */
  readonly call: CallRecord | null;
  /** tool_result: the recorded result's id set (compare.ts resultKey), null when it lists no objects. */
  readonly resultKey: IdKey | null;
  /** reasoning: the parsed text (claims, sets, ids, conclusion). */
  readonly reasoning: ParsedReasoning | null;
  /** answer: the normalised answer text. */
  readonly answer: string | null;
  /** The normalised conclusion of the last reasoning step (or concluding tool result) before this step. */
  readonly conclusion: string | null;
  /** Id lists (idKeys) and object ids earlier steps produced; call ids of earlier calls. */
  readonly producedSets: readonly IdKey[];
  readonly producedIds: ProducedIds;
  readonly callIds: ReadonlyMap<string, CallIdSlot>;
  /** Earlier `count` calls, for claims citing a count. */
  readonly countCalls: readonly CallRecord[];
  /** Whether a rule evaluated before this one already checked this step (docs/design.md §5 Coverage). */
  readonly stepChecked: boolean;
  /** The one look-ahead: does a later step record a result for this call id? */
  answeredLater(callId: string): boolean;
  /** Re-executes a call on the scene (memoised on the call); null without a scene or an executor. */
  execute(call: CallRecord): ToolOutcome | null;
  /** result.reexec's comparison of a recorded result with re-execution. */
  reexecute(call: CallRecord, found: unknown, foundKey: IdKey | null): Comparison;
  /** tool_call: args.schema records whether the args validated, and the refusal re-execution would give. */
  markValidated(validated: boolean, refused?: ToolOutcome): void;
  /** answer: the trace-level "final answer correct" (null = unknown), read by the score and `valid`. */
  setFinalCorrect(value: boolean | null): void;
  pass(message: string, evidence?: Evidence | null): void;
  fail(message: string, evidence?: Evidence | null): void;
  skip(message: string): void;
}

/** step: one step on its own; cross: a step against earlier (or later) steps; final: the trace's answer. */
export type RuleScope = "step" | "cross" | "final";

export interface RuleNeeds {
  /** A scene graph; a trace without one (VisProg, PRM800K) gets `skip` from the rule, never pass or fail. */
  scene?: boolean;
  /** The ground-truth answer; without it the rule skips. */
  groundTruth?: boolean;
}

export interface RuleDefinition<Id extends string = string> {
  /** Stable: stored in verdicts and configs, shown in the UI, used by calibration. "<area>.<name>". */
  id: Id;
  scope: RuleScope;
  /** Step kinds it is evaluated on. */
  kinds: readonly StepKind[];
  needs: RuleNeeds;
  /** One sentence: what passing means (shown next to verdicts). */
  description: string;
  /** Its setting in a new verifier config (the defaults; stored configs keep their own). */
  defaults: { enabled: boolean; weight: number };
  /**
   * Its place among the rules checking the same step kind (lower first, default 0; ties keep
   * registry order). Verdicts of one step are stored in this order.
   */
  order?: Partial<Record<StepKind, number>>;
  /**
   * Whether its verdicts decide a step's coverage (docs/design.md §5 Coverage; default true): a pass
   * makes the step checked, a skip gives the reason it is unchecked. False for a rule that says
   * nothing about the step's content (cross.pairing: "this call was answered"). A fail always
   * makes a step checked.
   */
  covers?: boolean;
  evaluate: (pass: StepPass) => void;
}

/** Message of a rule that needs a scene graph on a trace without one. */
export const NO_SCENE = "no scene graph for this trace";

// Verdict encoding: inside the pass a verdict is one number, step * VERDICT_STEP + rule * 4 +
// outcome, with `rule` the rule's index in the registry. RULE_BITS bits leave room for 256 rules
// (a guard test fails if the registry outgrows them); steps up to 2^43 stay exact in a double, and
// the rule and outcome are read from the low bits, which `&` keeps for any such number.
export const RULE_BITS = 8;
export const MAX_RULES = 1 << RULE_BITS;
const OUTCOME_BITS = 2;
export const VERDICT_STEP = MAX_RULES << OUTCOME_BITS;
const LOW = VERDICT_STEP - 1;

export const OUTCOMES: readonly Outcome[] = ["pass", "fail", "skip"];
export const PASS = 0;
export const FAIL = 1;
export const SKIP = 2;
export type OutcomeIndex = typeof PASS | typeof FAIL | typeof SKIP;

export const verdictCode = (step: number, rule: number, outcome: OutcomeIndex): number => step * VERDICT_STEP + rule * 4 + outcome;
export const verdictStep = (code: number): number => Math.floor(code / VERDICT_STEP);
export const verdictRule = (code: number): number => (code & LOW) >> OUTCOME_BITS;
export const verdictOutcome = (code: number): OutcomeIndex => (code & 3) as OutcomeIndex;
