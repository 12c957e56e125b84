import { describe, expect, it } from "vitest";
import { fitLogistic, invert, predict, type LogisticRow } from "@/lib/calibration/logistic";

describe("fitLogistic", () => {
  it("one binary feature, no penalty: the closed-form saturated fit", () => {
    // x = 0: 2 of 8 positive → β₀ = logit(1/4) = −ln 3; x = 1: 6 of 8 → β₀ + β₁ = ln 3, so β₁ = 2 ln 3.
    // var(β₁) = 1/(8·¼·¾) + 1/(8·¾·¼) = 4/3; var(β₀) = 1/(8·¼·¾) = 2/3.
    const fit = fitLogistic([
      { x: [0], positives: 2, total: 8 },
      { x: [1], positives: 6, total: 8 },
    ]);
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(-Math.log(3), 12);
    expect(fit.coefficients[0]).toBeCloseTo(2 * Math.log(3), 12);
    expect(fit.se[0]).toBeCloseTo(Math.sqrt(4 / 3), 10);
    expect(fit.interceptSe).toBeCloseTo(Math.sqrt(2 / 3), 10);
    // log-likelihood: 16·(¼ ln ¼ + ¾ ln ¾); null model: 8 of 16 → 16 ln ½
    expect(fit.logLikelihood).toBeCloseTo(16 * (0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 10);
    expect(fit.nullLogLikelihood).toBeCloseTo(16 * Math.log(0.5), 12);
    expect(fit).toMatchObject({ n: 16, positives: 8 });
    expect(predict(fit, [1])).toBeCloseTo(0.75, 12);
  });

  const rows: LogisticRow[] = [
    { x: [0, 0], positives: 2, total: 20 },
    { x: [1, 0], positives: 6, total: 8 },
    { x: [0, 1], positives: 3, total: 9 },
    { x: [1, 1], positives: 5, total: 5 },
  ];

  it("two features: agrees with an independent optimiser (scipy BFGS), without and with a ridge penalty", () => {
    const plain = fitLogistic(rows);
    expect(plain.intercept).toBeCloseTo(-2.33421004, 5);
    expect(plain.coefficients[0]).toBeCloseTo(3.59508888, 5);
    expect(plain.coefficients[1]).toBeCloseTo(1.7556708, 5);
    expect(plain.se[0]).toBeCloseTo(1.02971946, 5);
    expect(plain.logLikelihood).toBeCloseTo(-17.01680151415031, 8);

    const ridge = fitLogistic(rows, { l2: 1 });
    expect(ridge.intercept).toBeCloseTo(-1.44831998, 5);
    expect(ridge.coefficients[0]).toBeCloseTo(1.97794358, 5);
    expect(ridge.coefficients[1]).toBeCloseTo(0.84036779, 5);
    expect(ridge.se[1]).toBeCloseTo(0.59735732, 5);
  });

  it("the ridge estimate is a stationary point of the penalised likelihood", () => {
    const l2 = 2.5;
    const fit = fitLogistic(rows, { l2 });
    const gradient = [0, 0, 0];
    for (const r of rows) {
      const p = predict(fit, r.x);
      const x = [1, ...r.x];
      for (let j = 0; j < 3; j++) gradient[j] += x[j] * (r.positives - r.total * p);
    }
    expect(gradient[0]).toBeCloseTo(0, 9);
    expect(gradient[1] - l2 * fit.coefficients[0]).toBeCloseTo(0, 9);
    expect(gradient[2] - l2 * fit.coefficients[1]).toBeCloseTo(0, 9);
  });

  it("stays finite under complete separation when penalised, and says so when not", () => {
    const separated: LogisticRow[] = [
      { x: [0], positives: 0, total: 6 },
      { x: [1], positives: 4, total: 4 },
    ];
    const ridge = fitLogistic(separated, { l2: 1 });
    expect(ridge.converged).toBe(true);
    expect(Number.isFinite(ridge.coefficients[0])).toBe(true);
    expect(ridge.coefficients[0]).toBeGreaterThan(1);
    const plain = fitLogistic(separated, { maxIterations: 25 });
    expect(plain.coefficients[0]).toBeGreaterThan(10);
  });

  it("a feature that never varies gets zero under a penalty", () => {
    const fit = fitLogistic([
      { x: [0, 1], positives: 1, total: 4 },
      { x: [0, 0], positives: 3, total: 4 },
    ], { l2: 1 });
    expect(fit.coefficients[0]).toBeCloseTo(0, 12);
    expect(fit.coefficients[1]).toBeLessThan(0);
  });

  it("rejects inconsistent rows", () => {
    expect(() => fitLogistic([{ x: [1], positives: 1, total: 1 }, { x: [1, 0], positives: 0, total: 1 }])).toThrow(/features/);
    expect(() => fitLogistic([{ x: [1], positives: 3, total: 1 }])).toThrow(/positives/);
  });
});

describe("invert", () => {
  it("inverts a small matrix and detects singular ones", () => {
    expect(invert([[4, 7], [2, 6]])).toEqual([
      [expect.closeTo(0.6, 14), expect.closeTo(-0.7, 14)],
      [expect.closeTo(-0.2, 14), expect.closeTo(0.4, 14)],
    ]);
    expect(invert([[1, 2], [2, 4]])).toBeNull();
  });
});
