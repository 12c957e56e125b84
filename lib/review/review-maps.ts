import type { InjectedFaultDto, ReviewDto, TraceDetail } from "@/lib/schemas/traces";

// What the review workspace shows next to each step, derived from one trace and the reviewer in one
// pure function (tested in review-maps.test.ts): the workspace memoises the result on the trace.

export interface OtherLabel {
  user: string;
  label: string;
  source: string;
}

export interface StepComment {
  user: string;
  text: string;
}

export interface ReviewMaps {
  /** callId → the tool of that call (a tool_result shows which call it answers). */
  toolOfCall: Map<string, string | null>;
  /** stepId → this reviewer's own current label (human source only; after_error included). */
  mine: Map<number, string>;
  /** stepId → comments on the step's labels, by anyone (after-error markers carry none). */
  comments: Map<number, StepComment[]>;
  /** stepId → labels from other reviewers and imported sources (after-error markers left out). */
  others: Map<number, OtherLabel[]>;
  /** step index → faults the scripted teacher injected there. */
  injectedByStep: Map<number, InjectedFaultDto[]>;
  /** Indexes of the steps the latest verifier run failed, ascending. */
  failing: number[];
  /** Trace-level decisions (reviews without a step), in the order the trace lists them. */
  decisions: ReviewDto[];
  /** How many steps carry this reviewer's own label. */
  labelled: number;
}

type ReviewMapsInput = Pick<TraceDetail, "steps" | "reviews" | "injected" | "verification">;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function reviewMaps(trace: ReviewMapsInput, reviewer: string): ReviewMaps {
  const toolOfCall = new Map<string, string | null>();
  for (const s of trace.steps) if (s.kind === "tool_call" && s.callId) toolOfCall.set(s.callId, s.tool);

  const mine = new Map<number, string>();
  const comments = new Map<number, StepComment[]>();
  const others = new Map<number, OtherLabel[]>();
  const decisions: ReviewDto[] = [];
  for (const r of trace.reviews) {
    if (r.stepId === null) {
      decisions.push(r);
      continue;
    }
    const own = r.user === reviewer && r.source === "human";
    if (own) mine.set(r.stepId, r.label);
    if (r.comment && r.label !== "after_error") push(comments, r.stepId, { user: r.user, text: r.comment });
    // an imported label is never the reviewer's own work, even when filed under the same name
    if (!own && r.label !== "after_error") push(others, r.stepId, { user: r.user, label: r.label, source: r.source });
  }

  const injectedByStep = new Map<number, InjectedFaultDto[]>();
  for (const fault of trace.injected) push(injectedByStep, fault.step, fault);

  const failing = trace.steps
    .filter((s) => trace.verification?.steps[s.id]?.outcome === "fail")
    .map((s) => s.index)
    .sort((a, b) => a - b);
  const labelled = trace.steps.filter((s) => mine.has(s.id)).length;
  return { toolOfCall, mine, comments, others, injectedByStep, failing, decisions, labelled };
}

/**
 * Where `f` / Shift+F go from step `current`. Forward (`f`) goes to the next failing step you have
 * not labelled yet, wrapping around; the current step itself counts only when a label's
 * auto-advance just moved the cursor onto it (`landedByLabel`: after `a` moves onto a failing step,
 * `f` must not skip it — but pressing `f` again on a step `f` chose walks on). Once every failing
 * step carries your label it simply cycles to the next failing step after the current one.
 * Backward (Shift+F) is the previous failing step, wrapping around. null when no step fails.
 */
export function failingTarget(failing: readonly number[], current: number, direction: 1 | -1, labelled: (index: number) => boolean, landedByLabel = false): number | null {
  if (failing.length === 0) return null;
  if (direction === -1) return [...failing].reverse().find((i) => i < current) ?? failing[failing.length - 1];
  const open = failing.filter((i) => !labelled(i));
  if (open.length) return open.find((i) => (landedByLabel ? i >= current : i > current)) ?? open[0];
  return failing.find((i) => i > current) ?? failing[0];
}
