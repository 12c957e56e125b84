// Why the review queue offers a trace — or why it offers none — as one sentence for the queue bar.
// The queue service (lib/services/traces/trace-list.ts) decides what it picks and on what basis;
// this pure function only words it, so every basis has a test (queue-reason.test.ts).
//
// "Reviewed" anywhere in the queue means the work of a reviewer in Stepwise (source "human"):
// imported labels and verdicts (PRM800K step labels, VisProg's verdicts) are data, not review.

/** |quality − threshold| up to which a pick is called "near the threshold". */
export const NEAR_THRESHOLD = 0.1;

export type QueueBasis =
  /** Steps where another reviewer's label contradicts the verifier (yours are never in the queue). */
  | { kind: "disagreement"; steps: number }
  /** Asked for (prefer=unchecked): the open trace with the most steps no rule could check. */
  | { kind: "unchecked"; steps: number }
  /** The open trace whose quality is closest to the verifier threshold. */
  | { kind: "threshold"; quality: number; threshold: number; relationClass: string | null }
  /** No open trace has a quality: none of them has been through the verifier. */
  | { kind: "unverified"; datasetVerified: boolean; relationClass: string | null }
  /** Nothing is open: why. */
  | { kind: "empty"; total: number; reviewed: number; byYou: number; onlyCurrentLeft: boolean };

const fixed = (n: number) => n.toFixed(2);
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
const classNote = (relationClass: string | null) => (relationClass ? `; relation class "${relationClass}" (least reviewed by you)` : "");

export function queueReason(basis: QueueBasis): string {
  switch (basis.kind) {
    case "disagreement":
      return `${plural(basis.steps, "step")} where another reviewer's label and the verifier disagree`;
    case "unchecked":
      return `${plural(basis.steps, "step")} the verifier could not check (unchecked steps first)`;
    case "threshold": {
      const distance = Math.abs(basis.quality - basis.threshold);
      const side = basis.quality >= basis.threshold ? "above" : "below";
      const head = distance <= NEAR_THRESHOLD + 1e-9
        ? `quality ${fixed(basis.quality)} is near the threshold ${fixed(basis.threshold)} (just ${side})`
        : `quality ${fixed(basis.quality)}, ${side} the threshold ${fixed(basis.threshold)}: no open trace is nearer to it`;
      return head + classNote(basis.relationClass);
    }
    case "unverified":
      return (basis.datasetVerified ? "not verified yet (imported after the last verifier run)" : "not verified yet: no verifier run on this dataset, so traces come in import order") + classNote(basis.relationClass);
    case "empty": {
      if (basis.total === 0) return "No trace to review: this dataset has no traces.";
      if (basis.onlyCurrentLeft) return "No other trace is waiting: this is the last one left to review.";
      return `Nothing left to review: each of the ${plural(basis.total, "trace")} has a reviewer's trace decision, every step labelled by reviewers, or labels of yours (${basis.reviewed.toLocaleString("en-US")} reviewed, ${basis.byYou.toLocaleString("en-US")} by you). Imported labels and verdicts do not count as review.`;
    }
  }
}
