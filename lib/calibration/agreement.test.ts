import { describe, expect, it } from "vitest";
import { agreement, cohenKappa, f1Interval, fitWarnings, sampleWarnings } from "@/lib/calibration/agreement";
import { normalInterval, wilson, Z95 } from "@/lib/calibration/intervals";

// Expected values were computed independently with mpmath at 30 digits from the textbook formulas
// (script in docs/calibration.md); intermediate terms are given where they can be checked by hand.

describe("wilson", () => {
  it("matches hand-computed bounds", () => {
    // 20/25: p = 0.8, centre = (0.8 + z²/50)/(1 + z²/25), half = z/(1 + z²/25)·√(0.8·0.2/25 + z²/2500)
    const a = wilson(20, 25);
    expect(a.value).toBe(0.8);
    expect(a.lo).toBeCloseTo(0.6086904963045966, 14);
    expect(a.hi).toBeCloseTo(0.9113941531319742, 14);
    const b = wilson(8, 10);
    expect(b.lo).toBeCloseTo(0.4901624715366417, 14);
    expect(b.hi).toBeCloseTo(0.9433178485456247, 14);
    // 1/2: symmetric around ½
    const c = wilson(1, 2);
    expect(c.lo).toBeCloseTo(0.09453120573423071, 14);
    expect(c.hi).toBeCloseTo(0.9054687942657693, 14);
  });

  it("pins the end points at 0 and 1 and stays inside [0, 1]", () => {
    expect(wilson(0, 10)).toEqual({ value: 0, lo: 0, hi: expect.closeTo(0.27753279986288926, 14) });
    expect(wilson(10, 10)).toEqual({ value: 1, lo: expect.closeTo(0.7224672001371107, 14), hi: 1 });
  });

  it("is undefined without data and refuses impossible counts", () => {
    expect(wilson(0, 0)).toEqual({ value: null, lo: null, hi: null });
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });

  it("uses the exact 97.5% normal quantile", () => {
    expect(Z95).toBeCloseTo(1.9599639845400543, 15);
  });
});

describe("normalInterval", () => {
  it("clips to the range and keeps the value", () => {
    expect(normalInterval(0.9, 0.1, 0, 1)).toEqual({ value: 0.9, lo: expect.closeTo(0.9 - Z95 * 0.1, 15), hi: 1 });
    expect(normalInterval(0.5, Number.NaN, 0, 1)).toEqual({ value: 0.5, lo: null, hi: null });
  });
});

describe("cohenKappa", () => {
  it("2×2 table tp=20 fp=5 fn=10 tn=65: κ = 0.625 with the Fleiss–Cohen–Everitt interval", () => {
    // po = 0.85; margins: verifier fail 0.25 / pass 0.75, human reject 0.30 / accept 0.70;
    // pe = 0.25·0.30 + 0.75·0.70 = 0.6; κ = (0.85 − 0.6)/(1 − 0.6) = 0.625.
    // A = 0.20·(1 − 0.55·0.375)² + 0.65·(1 − 1.45·0.375)² = 0.261314453125
    // B = 0.375²·[0.05·(0.30 + 0.75)² + 0.10·(0.70 + 0.25)²] = 0.020443359375
    // C = (0.625 − 0.6·0.375)² = 0.16;  var = (A + B − C)/(100·0.4²) → se = 0.0872345303262991
    const k = cohenKappa([
      [20, 5],
      [10, 65],
    ]);
    expect(k.value).toBeCloseTo(0.625, 15);
    expect(k.lo).toBeCloseTo(0.4540234623521866, 13);
    expect(k.hi).toBeCloseTo(0.7959765376478134, 13);
  });

  it("small table: κ = 0.4, interval clipped below −1 never, above 1 never", () => {
    const k = cohenKappa([
      [3, 1],
      [2, 4],
    ]);
    expect(k.value).toBeCloseTo(0.4, 15);
    expect(k.lo).toBeCloseTo(-0.1565745586179576, 13);
    expect(k.hi).toBeCloseTo(0.9565745586179576, 13);
  });

  it("perfect agreement is 1 with a zero-width interval; chance agreement 1 is undefined", () => {
    expect(cohenKappa([[4, 0], [0, 6]])).toEqual({ value: 1, lo: 1, hi: 1 });
    expect(cohenKappa([[0, 0], [0, 9]])).toEqual({ value: null, lo: null, hi: null });
    expect(cohenKappa([[0, 0], [0, 0]])).toEqual({ value: null, lo: null, hi: null });
  });

  it("total disagreement is negative", () => {
    expect(cohenKappa([[0, 5], [5, 0]]).value).toBeCloseTo(-1, 15);
  });
});

describe("f1Interval", () => {
  it("maps the Wilson interval of the Jaccard index through 2J/(1+J)", () => {
    // F1 = 2·20/(2·20 + 5 + 10) = 40/55; J = 20/35 with Wilson [0.408574…, 0.720154…]
    const f = f1Interval({ tp: 20, fp: 5, fn: 10, tn: 65 });
    expect(f.value).toBeCloseTo(40 / 55, 15);
    expect(f.lo).toBeCloseTo(0.5801244082530131, 13);
    expect(f.hi).toBeCloseTo(0.8373136184315977, 13);
  });

  it("is undefined when nobody calls anything bad", () => {
    expect(f1Interval({ tp: 0, fp: 0, fn: 0, tn: 12 })).toEqual({ value: null, lo: null, hi: null });
  });
});

describe("agreement", () => {
  it("puts every statistic of the fixture together", () => {
    const a = agreement({ tp: 20, fp: 5, fn: 10, tn: 65 });
    expect(a).toMatchObject({ n: 100, tp: 20, fp: 5, fn: 10, tn: 65 });
    expect(a.precision).toEqual({ value: 0.8, lo: expect.closeTo(0.6086904963045966, 14), hi: expect.closeTo(0.9113941531319742, 14) });
    expect(a.recall).toEqual({ value: 20 / 30, lo: expect.closeTo(0.4878005164454384, 14), hi: expect.closeTo(0.8076950191632386, 14) });
    expect(a.specificity).toEqual({ value: 65 / 70, lo: expect.closeTo(0.8434458778290468, 14), hi: expect.closeTo(0.969105782962153, 14) });
    expect(a.accuracy).toEqual({ value: 0.85, lo: expect.closeTo(0.7671644040916763, 14), hi: expect.closeTo(0.9069401471634337, 14) });
    expect(a.f1).toBeCloseTo(0.7272727272727273, 15);
    expect(a.kappa.value).toBeCloseTo(0.625, 15);
    expect(a.warnings).toEqual([]);
  });

  it("flags small samples, thin margins and sparse cells", () => {
    expect(sampleWarnings({ tp: 3, fp: 1, fn: 1, tn: 5 }).map((w) => w.code)).toEqual(["small_n", "few_human_positives", "few_verifier_positives"]);
    expect(sampleWarnings({ tp: 30, fp: 2, fn: 10, tn: 60 }).map((w) => w.code)).toEqual(["sparse_cell"]);
    expect(sampleWarnings({ tp: 3, fp: 2, fn: 2, tn: 4 }, { minN: 5, minCell: 2 })).toEqual([]);
    expect(sampleWarnings({ tp: 0, fp: 0, fn: 0, tn: 0 })[0].message).toBe("only 0 labelled (< 30): too few to trust these figures");
  });
});

describe("fitWarnings", () => {
  it("flags a fit on few items, few rejects or few accepts, and nothing on a healthy sample", () => {
    expect(fitWarnings(9, 2).map((w) => w.code)).toEqual(["small_n", "few_human_positives"]);
    expect(fitWarnings(9, 2)[0].message).toContain("only 9 labelled items (< 30)");
    expect(fitWarnings(40, 38).map((w) => w.code)).toEqual(["sparse_cell"]);
    expect(fitWarnings(0, 0).map((w) => w.code)).toEqual(["small_n", "few_human_positives", "sparse_cell"]);
    expect(fitWarnings(60, 12)).toEqual([]);
    expect(fitWarnings(30, 5, { minN: 30, minCell: 5 })).toEqual([]);
  });
});
