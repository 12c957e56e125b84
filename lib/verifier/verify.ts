import { getTool, type ToolDefinition, type ToolOutcome } from "@/lib/tools/registry";
import { parseObjectId, type Scene, type SceneObject } from "@/lib/tools/scene";
import { parseReasoning, type Claim, type Desc } from "@/lib/verifier/claims";
import { compareResult, idsOfResult, isErrorResult, setKey } from "@/lib/verifier/compare";
import { programCompleteness, type CallLike } from "@/lib/verifier/completeness";
import { isEnabled, type VerifierSettings } from "@/lib/verifier/config";
import { normalizeAnswer } from "@/lib/verifier/normalize";
import type { RuleId } from "@/lib/verifier/rules";
import { scoreTrace, type ScoreParts } from "@/lib/verifier/score";

// verifyTrace: every rule of DESIGN §5 over one trace, as a pure deterministic function of the
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
  verdicts: RuleVerdict[];
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

interface CallRecord {
  index: number;
  tool: ToolDefinition | undefined;
  args: Record<string, unknown>;
  outcome?: ToolOutcome;
}

const NO_SCENE = "no scene graph for this trace";

export function verifyTrace(input: VerifyInput, settings: VerifierSettings): TraceVerification {
  const { steps } = input;
  const scene = input.scene ?? null;
  const verdicts: RuleVerdict[] = [];
  const outcomes: Outcome[] = new Array(steps.length).fill("skip");
  const on = (rule: RuleId) => isEnabled(settings, rule);
  const add = (step: number, rule: RuleId, outcome: Outcome, message: string, evidence: Evidence | null = null) => {
    verdicts.push({ step, rule, outcome, message, evidence });
    if (outcome === "fail") outcomes[step] = "fail";
    else if (outcome === "pass" && outcomes[step] === "skip") outcomes[step] = "pass";
  };

  // the one look-ahead: the last result index per call id (does a call get a result later?)
  const lastResult = new Map<string, number>();
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.kind === "tool_result" && s.callId) lastResult.set(s.callId, i);
  }

  const calls = new Map<string, CallRecord>();
  const answered = new Set<string>();
  const producedSets = new Set<string>([""]);
  const producedIds = new Set<number>();
  const producedVars = new Set<string>(["IMAGE"]);
  const countCalls: CallRecord[] = [];
  const callSteps: CallLike[] = [];
  const callOfStep = new Map<number, number>(); // result step → call step
  let conclusion: string | null = null;

  const execute = (call: CallRecord): ToolOutcome | null => {
    if (!scene || !call.tool?.execute) return null;
    if (!call.outcome) call.outcome = call.tool.execute(scene, call.args);
    return call.outcome;
  };

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    switch (step.kind) {
      case "tool_call": {
        const tool = step.tool ? getTool(step.tool) : undefined;
        const args = (step.args && typeof step.args === "object" ? step.args : {}) as Record<string, unknown>;
        const callId = step.callId ?? "";
        callSteps.push({ tool: step.tool ?? "", args });
        if (on("args.schema")) {
          if (!tool) add(i, "args.schema", "fail", `unknown tool "${step.tool}"`, { found: step.tool });
          else {
            const parsed = tool.args.safeParse(args);
            if (parsed.success) add(i, "args.schema", "pass", `args are valid for ${tool.name}`);
            else {
              const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "args"}: ${issue.message}`);
              add(i, "args.schema", "fail", issues.join("; "), { expected: `valid ${tool.name} args`, found: args });
            }
          }
        }
        if (on("args.refs")) checkRefs(i, tool, args, scene, add);
        if (on("cross.pairing")) {
          if (calls.has(callId) && callId) add(i, "cross.pairing", "fail", `call id "${callId}" is used by an earlier call (step ${calls.get(callId)!.index})`, { found: callId });
          else if ((lastResult.get(callId) ?? -1) > i) add(i, "cross.pairing", "pass", `answered by step ${lastResult.get(callId)}`);
          else add(i, "cross.pairing", "fail", `call ${callId || "(no id)"} gets no result`, { expected: `a tool_result for ${callId}`, found: null });
        }
        if (on("cross.propagation")) checkPropagation(i, tool, args, producedSets, producedIds, producedVars, add);
        const record: CallRecord = { index: i, tool, args };
        if (!calls.has(callId)) calls.set(callId, record);
        if (tool?.name === "count") countCalls.push(record);
        if (callId) producedVars.add(callId);
        break;
      }
      case "tool_result": {
        const callId = step.callId ?? "";
        const call = calls.get(callId);
        if (call) callOfStep.set(i, call.index);
        if (on("cross.pairing")) {
          if (!call) add(i, "cross.pairing", "fail", `answers no earlier call (no tool_call "${callId}" before it)`, { found: callId });
          else if (answered.has(callId)) add(i, "cross.pairing", "fail", `call ${callId} already has a result`, { found: callId });
          else add(i, "cross.pairing", "pass", `answers step ${call.index}`);
        }
        answered.add(callId);
        if (on("result.reexec")) {
          if (!call) add(i, "result.reexec", "skip", "answers no call");
          else if (!call.tool?.execute) add(i, "result.reexec", "skip", `${call.tool?.name ?? "this tool"} cannot be re-executed here`);
          else if (!scene) add(i, "result.reexec", "skip", NO_SCENE);
          else {
            const outcome = execute(call)!;
            const comparison = compareResult(outcome, step.result, scene, settings);
            add(i, "result.reexec", comparison.same ? "pass" : "fail", comparison.message, {
              expected: outcome.ok ? outcome.value : { error: outcome.error },
              found: step.result,
            });
          }
        }
        const ids = idsOfResult(step.result);
        if (ids) {
          producedSets.add(setKey(ids));
          for (const id of ids) producedIds.add(id);
        }
        if (call?.tool?.concludes && step.result !== null && step.result !== undefined && !isErrorResult(step.result)) {
          conclusion = normalizeAnswer(String(step.result));
        }
        break;
      }
      case "reasoning": {
        const parsed = parseReasoning(step.text ?? "");
        if (on("reasoning.claims")) {
          if (parsed.claims.length === 0) add(i, "reasoning.claims", "skip", parsed.hypothetical ? "hypothetical reasoning only" : "no checkable claims");
          else if (!scene) add(i, "reasoning.claims", "skip", NO_SCENE);
          else checkClaims(i, parsed.claims, scene, countCalls, execute, settings, add);
        }
        for (const set of parsed.sets) producedSets.add(setKey(set));
        for (const id of parsed.ids) producedIds.add(id);
        // "what the last reasoning concluded": a reasoning step without a conclusion resets it
        conclusion = parsed.conclusion === null ? null : normalizeAnswer(parsed.conclusion);
        break;
      }
      case "answer": {
        const answer = normalizeAnswer(step.text ?? "");
        if (on("cross.answer")) {
          if (!answer) add(i, "cross.answer", "fail", "no answer given", { expected: conclusion, found: step.text ?? "" });
          else if (conclusion === null) add(i, "cross.answer", "skip", "no earlier reasoning states a conclusion");
          else if (answer === conclusion) add(i, "cross.answer", "pass", `matches the last conclusion "${conclusion}"`);
          else add(i, "cross.answer", "fail", `the last reasoning concluded "${conclusion}"`, { expected: conclusion, found: step.text });
        }
        if (on("final.correct")) {
          const truth = normalizeAnswer(input.answer ?? null);
          if (truth === null || truth === "") add(i, "final.correct", "skip", "no ground truth");
          else if (answer === truth) add(i, "final.correct", "pass", `equals the ground truth "${input.answer}"`);
          else add(i, "final.correct", "fail", `the ground truth is "${input.answer}"`, { expected: input.answer, found: step.text });
        }
        break;
      }
      default:
        break;
    }
  }

  let failingSteps = 0;
  for (const outcome of outcomes) if (outcome === "fail") failingSteps++;
  let accurateCalls = 0;
  const resultOf = new Map<number, number>();
  for (const [resultStep, callStep] of callOfStep) if (!resultOf.has(callStep)) resultOf.set(callStep, resultStep);
  let callCount = 0;
  for (let i = 0; i < steps.length; i++) {
    if (steps[i].kind !== "tool_call") continue;
    callCount++;
    const resultStep = resultOf.get(i);
    if (outcomes[i] !== "fail" && resultStep !== undefined && outcomes[resultStep] !== "fail") accurateCalls++;
  }
  const completeness = programCompleteness(input.program, callSteps);
  const finalVerdict = verdicts.findLast((v) => v.rule === "final.correct");
  const finalCorrect = finalVerdict && finalVerdict.outcome !== "skip" ? finalVerdict.outcome === "pass" : null;
  const score = scoreTrace(verdicts, completeness, finalCorrect, settings);
  return {
    verdicts,
    outcomes,
    failingSteps,
    calls: callCount,
    accurateCalls,
    completeness,
    finalCorrect,
    quality: score.quality,
    valid: failingSteps === 0 && finalCorrect !== false,
    parts: { ...score.parts, calls: callCount, accurateCalls },
  };
}

type Add = (step: number, rule: RuleId, outcome: Outcome, message: string, evidence?: Evidence | null) => void;

function checkRefs(i: number, tool: ToolDefinition | undefined, args: Record<string, unknown>, scene: Scene | null, add: Add): void {
  if (!tool || !tool.objectArgs || Object.keys(tool.objectArgs).length === 0) return add(i, "args.refs", "skip", "the call names no objects");
  if (!scene) return add(i, "args.refs", "skip", NO_SCENE);
  let refs: unknown[];
  try {
    refs = tool.referencedObjects(args).flat();
  } catch {
    return add(i, "args.refs", "skip", "args too malformed to read object references");
  }
  if (refs.length === 0) return add(i, "args.refs", "skip", "the call names no objects");
  const unknown: string[] = [];
  for (const ref of refs) {
    const id = parseObjectId(ref);
    if (id === null) unknown.push(`${JSON.stringify(ref)} is not an object id`);
    else if (id >= scene.objects.length) unknown.push(`obj_${id}`);
  }
  if (unknown.length === 0) add(i, "args.refs", "pass", `all ${refs.length} object(s) exist`);
  else add(i, "args.refs", "fail", `unknown object ${unknown.join(", ")} (scene has obj_0 … obj_${scene.objects.length - 1})`, { expected: `objects obj_0 … obj_${scene.objects.length - 1}`, found: unknown });
}

function checkPropagation(
  i: number,
  tool: ToolDefinition | undefined,
  args: Record<string, unknown>,
  producedSets: Set<string>,
  producedIds: Set<number>,
  producedVars: Set<string>,
  add: Add,
): void {
  if (!tool) return add(i, "cross.propagation", "skip", "unknown tool");
  let checked = 0;
  const missing: unknown[] = [];
  if (tool.objectArgs) {
    for (const key in tool.objectArgs) {
      const value = args[key];
      if (value === undefined) continue;
      if (tool.objectArgs[key] === "objects") {
        if (!Array.isArray(value)) continue;
        const ids: number[] = [];
        for (const ref of value) {
          const id = parseObjectId(ref);
          if (id !== null) ids.push(id);
        }
        checked++;
        if (!producedSets.has(setKey(ids))) missing.push(ids.map((id) => `obj_${id}`));
      } else {
        const id = parseObjectId(value);
        if (id === null) continue;
        checked++;
        if (!producedIds.has(id)) missing.push(`obj_${id}`);
      }
    }
  }
  if (tool.variableRefs) {
    for (const variable of tool.variableRefs(args)) {
      checked++;
      if (!producedVars.has(variable)) missing.push(variable);
    }
  }
  if (checked === 0) add(i, "cross.propagation", "skip", "the call uses no earlier values");
  else if (missing.length === 0) add(i, "cross.propagation", "pass", "uses only values earlier steps produced");
  else add(i, "cross.propagation", "fail", `uses ${missing.map((m) => JSON.stringify(m)).join(", ")}, which no earlier step produced`, { expected: "ids, id lists and variables produced by earlier steps", found: missing });
}

// ---- claims ----------------------------------------------------------------------------

function matches(object: SceneObject, desc: Desc, scene: Scene): boolean {
  const attrs = desc.attrs;
  if (attrs.color !== undefined && object.color !== attrs.color) return false;
  if (attrs.size !== undefined && object.size !== attrs.size) return false;
  if (attrs.shape !== undefined && object.shape !== attrs.shape) return false;
  if (attrs.material !== undefined && object.material !== attrs.material) return false;
  if (desc.rel) {
    const row = scene.relationships[desc.rel.relation]?.[desc.rel.object];
    if (!row || !row.includes(object.index)) return false;
  }
  if (desc.same) {
    const reference = scene.objects[desc.same.object];
    if (!reference || object.index === reference.index || object[desc.same.attribute] !== reference[desc.same.attribute]) return false;
  }
  if (desc.except && desc.except.includes(object.index)) return false;
  if (desc.or && !matches(object, desc.or[0], scene) && !matches(object, desc.or[1], scene)) return false;
  return true;
}

function matching(desc: Desc, scene: Scene): number[] {
  const ids: number[] = [];
  for (const object of scene.objects) if (matches(object, desc, scene)) ids.push(object.index);
  return ids;
}

const names = (ids: readonly number[]) => (ids.length ? ids.map((id) => `obj_${id}`).join(", ") : "none");

interface ClaimCheck {
  ok: boolean;
  expected: unknown;
  found: unknown;
}

function checkClaim(
  claim: Claim,
  scene: Scene,
  countCalls: CallRecord[],
  execute: (call: CallRecord) => ToolOutcome | null,
  settings: VerifierSettings,
): ClaimCheck | null {
  switch (claim.kind) {
    case "members": {
      const wrong: number[] = [];
      for (const id of claim.ids) {
        const object = scene.objects[id];
        if (!object || matches(object, claim.desc, scene) === claim.negated) wrong.push(id);
      }
      return { ok: wrong.length === 0, expected: `${claim.negated ? "none" : "each"} of ${names(claim.ids)} fits`, found: wrong.length ? `${names(wrong)} ${claim.negated ? "fits" : "does not fit"}` : "all fit" };
    }
    case "enumeration": {
      const truth = matching(claim.desc, scene);
      return { ok: setKey(truth) === setKey(claim.ids), expected: names(truth), found: names(claim.ids) };
    }
    case "count": {
      if (claim.desc) {
        const truth = matching(claim.desc, scene);
        const listOk = claim.ids === null || setKey(claim.ids) === setKey(truth);
        return { ok: truth.length === claim.n && listOk, expected: claim.ids ? `${truth.length}: ${names(truth)}` : truth.length, found: claim.ids ? `${claim.n}: ${names(claim.ids)}` : claim.n };
      }
      if (claim.ids) return { ok: new Set(claim.ids).size === claim.n, expected: new Set(claim.ids).size, found: claim.n };
      const cited = countCalls.at(-1);
      const outcome = cited ? execute(cited) : null;
      if (!outcome || !outcome.ok) return null;
      return { ok: outcome.value === claim.n, expected: outcome.value, found: claim.n };
    }
    case "attribute": {
      const object = scene.objects[claim.id];
      const truth = object ? object[claim.attribute] : `no object obj_${claim.id}`;
      return { ok: truth === claim.value, expected: truth, found: claim.value };
    }
    case "same": {
      const objects = claim.ids.map((id) => scene.objects[id]);
      if (objects.some((o) => !o)) return { ok: false, expected: "existing objects", found: names(claim.ids) };
      if (claim.reference !== null) {
        const reference = scene.objects[claim.reference];
        if (!reference) return { ok: false, expected: "an existing reference object", found: `obj_${claim.reference}` };
        const value = reference[claim.attribute];
        const wrong = objects.filter((o) => o.index !== reference.index && o[claim.attribute] !== value).map((o) => o.index);
        return { ok: wrong.length === 0, expected: `${claim.attribute} ${value}`, found: wrong.length ? `${names(wrong)} differ` : "all the same" };
      }
      const values = objects.map((o) => o[claim.attribute]);
      const allSame = values.every((v) => v === values[0]);
      return { ok: allSame === claim.same, expected: claim.same ? "the same" : "different", found: values.join(" / ") };
    }
    case "compare": {
      const holds = claim.op === "gt" ? claim.a > claim.b : claim.op === "lt" ? claim.a < claim.b : claim.a === claim.b;
      if (holds === claim.negated) return { ok: false, expected: `${!claim.negated ? "not " : ""}${claim.op}`, found: `${claim.a} ${claim.op} ${claim.b}` };
      if (countCalls.length < 2) return { ok: true, expected: "arithmetic", found: "holds" };
      const first = execute(countCalls[countCalls.length - 2]);
      const second = execute(countCalls[countCalls.length - 1]);
      if (!first?.ok || !second?.ok) return { ok: true, expected: "arithmetic", found: "holds" };
      const [t1, t2] = [first.value as number, second.value as number];
      const cited = (claim.a === t1 && claim.b === t2) || (claim.a === t2 && claim.b === t1);
      return { ok: cited, expected: `the counts ${t1} and ${t2}`, found: `${claim.a} and ${claim.b}` };
    }
    case "distance": {
      const a = scene.objects[claim.a]?.coords3d;
      const b = scene.objects[claim.b]?.coords3d;
      if (!a || !b) return null;
      const truth = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      return { ok: Math.abs(truth - claim.value) <= settings.tolerances.claimNumber, expected: Math.round(truth * 100) / 100, found: claim.value };
    }
  }
}

function checkClaims(
  i: number,
  claims: Claim[],
  scene: Scene,
  countCalls: CallRecord[],
  execute: (call: CallRecord) => ToolOutcome | null,
  settings: VerifierSettings,
  add: Add,
): void {
  let checked = 0;
  let firstFalse: { claim: Claim; check: ClaimCheck } | null = null;
  let falseCount = 0;
  for (const claim of claims) {
    const check = checkClaim(claim, scene, countCalls, execute, settings);
    if (!check) continue;
    checked++;
    if (!check.ok) {
      falseCount++;
      firstFalse ??= { claim, check };
    }
  }
  if (checked === 0) add(i, "reasoning.claims", "skip", "no claim could be checked");
  else if (!firstFalse) add(i, "reasoning.claims", "pass", `${checked} claim${checked === 1 ? "" : "s"} true of the scene`);
  else {
    add(i, "reasoning.claims", "fail", `false: "${firstFalse.claim.text}"${falseCount > 1 ? ` (and ${falseCount - 1} more)` : ""}`, {
      claim: firstFalse.claim.text,
      expected: firstFalse.check.expected,
      found: firstFalse.check.found,
    });
  }
}
