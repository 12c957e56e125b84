import { describe, expect, it } from "vitest";
import { NEAR_THRESHOLD, queueReason } from "@/lib/review/queue-reason";

describe("queueReason", () => {
  it("disagreement: another reviewer's labels (yours never come back through the queue)", () => {
    expect(queueReason({ kind: "disagreement", steps: 1 })).toBe("1 step where another reviewer's label and the verifier disagree");
    expect(queueReason({ kind: "disagreement", steps: 3 })).toBe("3 steps where another reviewer's label and the verifier disagree");
    expect(queueReason({ kind: "disagreement", steps: 2 })).not.toMatch(/\byou\b/);
  });

  it("threshold: 'near' only when the quality really is near it", () => {
    expect(queueReason({ kind: "threshold", quality: 0.75, threshold: 0.8, relationClass: null })).toBe("quality 0.75 is near the threshold 0.80 (just below)");
    expect(queueReason({ kind: "threshold", quality: 0.8, threshold: 0.8, relationClass: null })).toBe("quality 0.80 is near the threshold 0.80 (just above)");
    expect(queueReason({ kind: "threshold", quality: 0.8 + NEAR_THRESHOLD, threshold: 0.8, relationClass: null })).toMatch(/is near the threshold/);
    // the trial's case: every open trace scores 1.00
    const far = queueReason({ kind: "threshold", quality: 1, threshold: 0.8, relationClass: null });
    expect(far).not.toMatch(/near the threshold/);
    expect(far).toBe("quality 1.00, above the threshold 0.80: no open trace is nearer to it");
    expect(queueReason({ kind: "threshold", quality: 0.1, threshold: 0.5, relationClass: null })).toBe("quality 0.10, below the threshold 0.50: no open trace is nearer to it");
  });

  it("threshold and unverified name the relation class the pick was drawn from", () => {
    expect(queueReason({ kind: "threshold", quality: 0.52, threshold: 0.5, relationClass: "projective" })).toBe('quality 0.52 is near the threshold 0.50 (just above); relation class "projective" (least reviewed by you)');
    expect(queueReason({ kind: "unverified", datasetVerified: false, relationClass: "spatial" })).toMatch(/relation class "spatial"/);
  });

  it("unverified: says whether the dataset was never verified or the trace came after the last run", () => {
    expect(queueReason({ kind: "unverified", datasetVerified: false, relationClass: null })).toBe("not verified yet: no verifier run on this dataset, so traces come in import order");
    expect(queueReason({ kind: "unverified", datasetVerified: true, relationClass: null })).toBe("not verified yet (imported after the last verifier run)");
  });

  it("empty: says why Next trace is disabled", () => {
    expect(queueReason({ kind: "empty", total: 0, reviewed: 0, byYou: 0, onlyCurrentLeft: false })).toBe("No trace to review: this dataset has no traces.");
    expect(queueReason({ kind: "empty", total: 5, reviewed: 4, byYou: 1, onlyCurrentLeft: true })).toBe("No other trace is waiting: this is the last one left to review.");
    const done = queueReason({ kind: "empty", total: 1200, reviewed: 1100, byYou: 100, onlyCurrentLeft: false });
    expect(done).toMatch(/^Nothing left to review: each of the 1,200 traces/);
    expect(done).toMatch(/1,100 reviewed, 100 by you/);
    expect(done).toMatch(/Imported labels and verdicts do not count/);
    expect(queueReason({ kind: "empty", total: 1, reviewed: 1, byYou: 1, onlyCurrentLeft: false })).toMatch(/each of the 1 trace has/);
  });
});
