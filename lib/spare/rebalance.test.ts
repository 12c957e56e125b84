import { describe, expect, it } from "vitest";
import { rebalance, suggestedClassCap } from "@/lib/spare/rebalance";

const rows = [
  { relation: "right", class: "projective", kept: 60 },
  { relation: "left", class: "projective", kept: 30 },
  { relation: "above", class: "projective", kept: 10 },
  { relation: "on", class: "topological", kept: 20 },
  { relation: "near_close", class: "metric", kept: 5 },
  { relation: "facing", class: "orientation", kept: 0 },
];

describe("rebalance", () => {
  it("cuts a class over its cap to exactly the cap, its relations in proportion; others unchanged", () => {
    const out = rebalance(rows, { projective: 20, topological: 50 });
    expect(out.map((r) => [r.relation, r.after])).toEqual([["right", 12], ["left", 6], ["above", 2], ["on", 20], ["near_close", 5], ["facing", 0]]);
  });

  it("largest remainder: the class sums to the cap even when shares are fractional", () => {
    const out = rebalance(rows, { projective: 7 });
    expect(out.filter((r) => r.class === "projective").reduce((a, r) => a + r.after, 0)).toBe(7);
    expect(out.find((r) => r.relation === "right")!.after).toBeGreaterThanOrEqual(out.find((r) => r.relation === "left")!.after);
  });

  it("no caps, a cap of 0, and the suggested cap (median class size)", () => {
    expect(rebalance(rows, {}).every((r) => r.after === r.kept)).toBe(true);
    expect(rebalance(rows, { metric: 0 }).find((r) => r.relation === "near_close")!.after).toBe(0);
    expect(suggestedClassCap(rows)).toBe(20); // classes 100, 20, 5 (orientation empty)
    expect(suggestedClassCap([])).toBe(0);
    expect(suggestedClassCap(rows.slice(0, 4))).toBe(60); // 100 and 20 → 60
  });
});
