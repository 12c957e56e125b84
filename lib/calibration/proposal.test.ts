import { describe, expect, it } from "vitest";
import { fitLogistic } from "@/lib/calibration/logistic";
import { proposeRules, type PatternCount } from "@/lib/calibration/proposal";

const RULES = ["a", "b", "c", "d", "e"]; // bits 1, 2, 4, 8, 16
const PARENT = {
  a: { enabled: true, weight: 1 },
  b: { enabled: true, weight: 2 },
  c: { enabled: true, weight: 1 },
  d: { enabled: false, weight: 3 },
  e: { enabled: true, weight: 1 },
};
const PATTERNS: PatternCount[] = [
  { failMask: 0, rejects: 2, total: 20 },
  { failMask: 1, rejects: 6, total: 8 },
  { failMask: 2, rejects: 3, total: 9 },
  { failMask: 3, rejects: 5, total: 5 },
  { failMask: 4, rejects: 0, total: 6 },
];

describe("proposeRules", () => {
  const proposal = proposeRules(PATTERNS, RULES, PARENT, 1);

  it("fits the enabled rules that failed on labelled items (a, b, c) and nothing else", () => {
    const reference = fitLogistic(
      PATTERNS.map((p) => ({ x: [p.failMask & 1 ? 1 : 0, p.failMask & 2 ? 1 : 0, p.failMask & 4 ? 1 : 0], positives: p.rejects, total: p.total })),
      { l2: 1 },
    );
    expect(proposal.coefficients.map((c) => c.beta)).toEqual([...reference.coefficients, null, null]);
    expect(proposal.intercept).toBe(reference.intercept);
    expect(proposal).toMatchObject({ n: 48, rejects: 16, l2: 1, converged: true });
    expect(proposal.pseudoR2).toBeCloseTo(1 - reference.logLikelihood / reference.nullLogLikelihood, 15);
  });

  it("keeps rules whose failures predict rejects with weight = β, switches off the others", () => {
    const [a, b, c, d, e] = proposal.coefficients;
    expect(a.beta!).toBeGreaterThan(0);
    expect(a.proposed).toEqual({ enabled: true, weight: Math.round(a.beta! * 100) / 100 });
    expect(a.oddsRatio).toBeCloseTo(Math.exp(a.beta!), 15);
    expect(a.lo! < a.beta! && a.beta! < a.hi!).toBe(true);
    expect(a).toMatchObject({ failures: 13, failuresRejected: 11 });
    expect(b.proposed.enabled).toBe(true);
    expect(c.beta!).toBeLessThan(0);
    expect(c.proposed).toEqual({ enabled: false, weight: 1 });
    expect(c.reason).toMatch(/switch off/);
    expect(d).toMatchObject({ beta: null, proposed: { enabled: false, weight: 3 }, reason: "off in the parent config: not fitted" });
    expect(e).toMatchObject({ beta: null, failures: 0, proposed: { enabled: true, weight: 1 } });
    expect(proposal.rules).toEqual({ a: a.proposed, b: b.proposed, c: c.proposed, d: d.proposed, e: e.proposed });
  });

  it("without labelled items proposes the parent unchanged", () => {
    const empty = proposeRules([], RULES, PARENT, 1);
    expect(empty.rules).toEqual(PARENT);
    expect(empty).toMatchObject({ n: 0, intercept: null, pseudoR2: null });
  });
});
