import { describe, expect, it } from "vitest";
import {
  agreementSummary,
  bootstrap,
  consensusOf,
  gwetAC1,
  krippendorffAlpha,
  meanPairwiseKappa,
  pairwiseKappa,
  perReviewer,
  rawAgreement,
  type Unit,
} from "@/lib/review/reviewer-agreement";

// Fixtures with published or hand-computed results (docs/design.md §13).

/** Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers × 12 units example (null = missing). */
const K2011: Array<Array<number | null>> = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];
const unitsOf = (matrix: Array<Array<number | null>>): Unit[] =>
  matrix[0].map((_, u) => ({ id: u + 1, ratings: matrix.flatMap((row, r) => (row[u] === null ? [] : [{ rater: "ABCD"[r], value: row[u]! }])) }));

describe("Krippendorff's α", () => {
  it("reproduces the published nominal (0.743) and ordinal (0.815) values", () => {
    const units = unitsOf(K2011);
    expect(krippendorffAlpha(units, "nominal")).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(units, "ordinal")).toBeCloseTo(0.815, 3);
  });

  it("hand-computed on −1/0/+1: two reviewers, four steps, one disagreement", () => {
    // pairs: (1,1) (1,1) (−1,−1) (1,−1) → coincidences o(1,1)=4, o(−1,−1)=2, o(1,−1)=o(−1,1)=1; n=8,
    // n₁=5, n₋₁=3. D_o = 2/8; D_e = 2·5·3/(8·7) = 30/56. α = 1 − 0.25/(30/56) = 1 − 14/30 = 0.5333…
    const units: Unit[] = [
      { id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }] },
      { id: 2, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }] },
      { id: 3, ratings: [{ rater: "a", value: -1 }, { rater: "b", value: -1 }] },
      { id: 4, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: -1 }] },
    ];
    expect(krippendorffAlpha(units, "nominal", [-1, 0, 1])).toBeCloseTo(1 - 14 / 30, 10);
    // ordinal with no neutral in the data: the distance between −1 and +1 is (3+0+5 − 4)² = 16 for
    // every disagreeing pair, so α equals the nominal value
    expect(krippendorffAlpha(units, "ordinal", [-1, 0, 1])).toBeCloseTo(1 - 14 / 30, 10);
    // raw agreement 3/4; Cohen's κ: p_o = 0.75, p_e = (3/4·2/4 + 1/4·2/4) = 0.5 → κ = 0.5
    expect(rawAgreement(units)).toBe(0.75);
    expect(pairwiseKappa(units, [-1, 0, 1])[0].kappa.value).toBeCloseTo(0.5, 10);
    expect(meanPairwiseKappa(units, [-1, 0, 1])).toBeCloseTo(0.5, 10);
  });

  it("ordinal distance: neutral vs accept costs less than reject vs accept", () => {
    const near: Unit[] = [
      { id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 0 }] },
      { id: 2, ratings: [{ rater: "a", value: -1 }, { rater: "b", value: -1 }] },
      { id: 3, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }] },
    ];
    const far: Unit[] = near.map((u, i) => (i === 0 ? { id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: -1 }] } : u));
    expect(krippendorffAlpha(near, "ordinal", [-1, 0, 1])!).toBeGreaterThan(krippendorffAlpha(far, "ordinal", [-1, 0, 1])!);
  });

  it("is undefined with nothing to compare or a single value everywhere", () => {
    expect(krippendorffAlpha([], "nominal")).toBeNull();
    expect(krippendorffAlpha([{ id: 1, ratings: [{ rater: "a", value: 1 }] }], "nominal")).toBeNull();
    expect(krippendorffAlpha([{ id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }] }], "nominal")).toBeNull();
  });
});

describe("Gwet's AC1", () => {
  it("hand-computed: 2 raters, 125 items, 118 both yes, 5 yes/no, 2 no/yes — high where κ collapses", () => {
    // p_a = 118/125 = 0.944; π_yes = (123/125 + 120/125)/2 = 0.972; p_e = 2·0.972·0.028 = 0.054432;
    // AC1 = (0.944 − 0.054432)/(1 − 0.054432) = 0.940785…; κ = (0.944 − 0.9456)/(1 − 0.9456) = −0.0294…
    const units: Unit[] = [];
    const add = (a: number, b: number, times: number) => {
      for (let i = 0; i < times; i++) units.push({ id: units.length + 1, ratings: [{ rater: "a", value: a }, { rater: "b", value: b }] });
    };
    add(1, 1, 118);
    add(1, -1, 5);
    add(-1, 1, 2);
    expect(gwetAC1(units, [-1, 1])).toBeCloseTo((0.944 - 0.054432) / (1 - 0.054432), 10);
    expect(meanPairwiseKappa(units, [-1, 1])).toBeCloseTo((0.944 - (123 / 125) * (120 / 125) - (2 / 125) * (5 / 125)) / (1 - (123 / 125) * (120 / 125) - (2 / 125) * (5 / 125)), 10);
    expect(meanPairwiseKappa(units, [-1, 1])!).toBeLessThan(0);
  });

  it("three raters per unit: raw agreement counts agreeing pairs", () => {
    // unit 1: all agree (1); unit 2: two of three agree → 2 agreeing ordered pairs of 6 = 1/3
    const units: Unit[] = [
      { id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }, { rater: "c", value: 1 }] },
      { id: 2, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }, { rater: "c", value: -1 }] },
    ];
    expect(rawAgreement(units)).toBeCloseTo((1 + 1 / 3) / 2, 12);
  });
});

describe("bootstrap, consensus, per reviewer", () => {
  const units = unitsOf(K2011).map((u) => ({ ...u, ratings: u.ratings.map((r) => ({ ...r, value: r.value <= 2 ? -1 : r.value === 3 ? 0 : 1 })) }));

  it("intervals contain the value and are reproducible (seeded)", () => {
    const a = bootstrap(units, rawAgreement, 400, 7);
    const b = bootstrap(units, rawAgreement, 400, 7);
    expect(a).toEqual(b);
    expect(a.lo!).toBeLessThanOrEqual(a.value!);
    expect(a.hi!).toBeGreaterThanOrEqual(a.value!);
    const summary = agreementSummary(units);
    expect(summary.units).toBe(11);
    expect(summary.raters).toEqual(["A", "B", "C", "D"]);
    for (const stat of [summary.alphaNominal, summary.alphaOrdinal, summary.ac1, summary.raw]) {
      expect(stat.value).not.toBeNull();
      expect(stat.lo!).toBeLessThanOrEqual(stat.hi!);
    }
    expect(summary.pairs).toHaveLength(6);
  });

  it("consensus is a strict majority with quorum", () => {
    expect(consensusOf([{ rater: "a", value: 1 }])).toBeNull();
    expect(consensusOf([{ rater: "a", value: 1 }, { rater: "b", value: -1 }])).toBeNull();
    expect(consensusOf([{ rater: "a", value: 1 }, { rater: "b", value: -1 }, { rater: "c", value: 1 }])).toBe(1);
    expect(consensusOf([{ rater: "a", value: 1 }, { rater: "b", value: 1 }], 3)).toBeNull();
  });

  it("per reviewer against the others and the verifier", () => {
    const two: Unit[] = [
      { id: 1, ratings: [{ rater: "a", value: 1 }, { rater: "b", value: 1 }] },
      { id: 2, ratings: [{ rater: "a", value: -1 }, { rater: "b", value: 1 }] },
      { id: 3, ratings: [{ rater: "a", value: 0 }, { rater: "b", value: -1 }] },
    ];
    const verifier = new Map<number, "pass" | "fail">([[1, "pass"], [2, "fail"], [3, "fail"]]);
    const [a, b] = perReviewer(two, verifier);
    expect(a).toMatchObject({ rater: "a", labelled: 3, consensus: { n: 3, agree: 1 }, verifier: { n: 2, agree: 2, raw: 1 } });
    expect(b).toMatchObject({ rater: "b", consensus: { n: 3, agree: 1 }, verifier: { n: 3, agree: 2 } });
  });
});
