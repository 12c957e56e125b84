// Logistic regression on aggregated binomial rows, fitted by Newton–Raphson (IRLS) with an optional
// ridge (L2) penalty on the slopes. Rows are distinct feature vectors with counts — what a SQL
// GROUP BY over rule outcomes returns — so the fit costs O(distinct patterns), not O(steps).
//
//   logit P(y = 1 | x) = β₀ + Σⱼ βⱼ xⱼ
//   maximise  Σᵣ [ yᵣ log pᵣ + (nᵣ − yᵣ) log(1 − pᵣ) ] − (λ/2) Σⱼ≥₁ βⱼ²
//
// The penalty keeps the estimates finite under separation (a rule whose every failure humans
// reject) and with a handful of labels; λ = 0 gives the plain maximum-likelihood fit.

export interface LogisticRow {
  x: readonly number[];
  /** How many of the `total` items with this x are positive (y = 1). */
  positives: number;
  total: number;
}

export interface LogisticOptions {
  /** Ridge penalty λ on the slopes (not the intercept). */
  l2?: number;
  maxIterations?: number;
  /** Stop when every coefficient moves less than this. */
  tolerance?: number;
}

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  /** Standard errors from the inverse (penalised) information matrix: intercept first. */
  interceptSe: number | null;
  se: Array<number | null>;
  /** Unpenalised log-likelihood at the estimate. */
  logLikelihood: number;
  /** Log-likelihood of the intercept-only model (for a pseudo-R²). */
  nullLogLikelihood: number;
  iterations: number;
  converged: boolean;
  n: number;
  positives: number;
}

/** log σ(η) without overflow. */
function logSigmoid(eta: number): number {
  return eta >= 0 ? -Math.log1p(Math.exp(-eta)) : eta - Math.log1p(Math.exp(eta));
}

function sigmoid(eta: number): number {
  return eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
}

/** Inverse of a small symmetric positive-definite matrix (Gauss–Jordan, partial pivoting); null if singular. */
export function invert(matrix: readonly number[][]): number[][] | null {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(1e-300, ...matrix.flat().map(Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) <= 1e-12 * scale) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    for (let j = 0; j < 2 * n; j++) a[col][j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col || a[r][col] === 0) continue;
      const f = a[r][col];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[col][j];
    }
  }
  return a.map((row) => row.slice(n));
}

function logLikelihood(rows: readonly LogisticRow[], beta: readonly number[]): number {
  let ll = 0;
  for (const row of rows) {
    let eta = beta[0];
    for (let j = 0; j < row.x.length; j++) eta += beta[j + 1] * row.x[j];
    ll += row.positives * logSigmoid(eta) + (row.total - row.positives) * logSigmoid(-eta);
  }
  return ll;
}

export function fitLogistic(rows: readonly LogisticRow[], options: LogisticOptions = {}): LogisticFit {
  const l2 = options.l2 ?? 0;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const used = rows.filter((r) => r.total > 0);
  const k = used[0]?.x.length ?? 0;
  for (const row of used) {
    if (row.x.length !== k) throw new RangeError(`fitLogistic: rows have ${k} and ${row.x.length} features`);
    if (row.positives < 0 || row.positives > row.total) throw new RangeError(`fitLogistic: ${row.positives} positives out of ${row.total}`);
  }
  const n = used.reduce((s, r) => s + r.total, 0);
  const positives = used.reduce((s, r) => s + r.positives, 0);
  const d = k + 1;
  const beta = new Array<number>(d).fill(0);
  // start at the intercept-only optimum (clamped when every label is the same)
  const base = Math.min(Math.max(positives, 0.5), n - 0.5) / n;
  if (n > 0) beta[0] = Math.log(base / (1 - base));
  const penalised = (b: readonly number[]) => logLikelihood(used, b) - (l2 / 2) * b.slice(1).reduce((s, v) => s + v * v, 0);

  let information: number[][] = [];
  let converged = false;
  let iterations = 0;
  let objective = penalised(beta);
  for (; iterations < maxIterations; iterations++) {
    const gradient = new Array<number>(d).fill(0);
    information = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const row of used) {
      const x = [1, ...row.x];
      let eta = 0;
      for (let j = 0; j < d; j++) eta += beta[j] * x[j];
      const p = sigmoid(eta);
      const residual = row.positives - row.total * p;
      const w = row.total * p * (1 - p);
      for (let i = 0; i < d; i++) {
        gradient[i] += x[i] * residual;
        for (let j = 0; j < d; j++) information[i][j] += w * x[i] * x[j];
      }
    }
    for (let j = 1; j < d; j++) {
      gradient[j] -= l2 * beta[j];
      information[j][j] += l2;
    }
    const inverse = invert(information);
    if (!inverse) break;
    const delta = inverse.map((row) => row.reduce((s, v, j) => s + v * gradient[j], 0));
    // step halving keeps Newton monotone when far from the optimum (large effects, separation)
    let step = 1;
    let next = beta.map((b, j) => b + delta[j]);
    let value = penalised(next);
    while (value < objective - 1e-12 && step > 1e-6) {
      step /= 2;
      next = beta.map((b, j) => b + step * delta[j]);
      value = penalised(next);
    }
    const moved = Math.max(...delta.map((v) => Math.abs(step * v)));
    for (let j = 0; j < d; j++) beta[j] = next[j];
    objective = value;
    if (moved < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  // standard errors at the final estimate
  const finalInformation = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of used) {
    const x = [1, ...row.x];
    let eta = 0;
    for (let j = 0; j < d; j++) eta += beta[j] * x[j];
    const p = sigmoid(eta);
    const w = row.total * p * (1 - p);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) finalInformation[i][j] += w * x[i] * x[j];
  }
  for (let j = 1; j < d; j++) finalInformation[j][j] += l2;
  const covariance = invert(finalInformation);
  const se = (j: number) => (covariance && covariance[j][j] >= 0 ? Math.sqrt(covariance[j][j]) : null);
  const pooled = n > 0 ? positives / n : 0;
  const nullLogLikelihood = n > 0 && positives > 0 && positives < n ? positives * Math.log(pooled) + (n - positives) * Math.log(1 - pooled) : 0;
  return {
    intercept: beta[0],
    coefficients: beta.slice(1),
    interceptSe: se(0),
    se: Array.from({ length: k }, (_, j) => se(j + 1)),
    logLikelihood: logLikelihood(used, beta),
    nullLogLikelihood,
    iterations,
    converged,
    n,
    positives,
  };
}

/** P(y = 1 | x) under a fit. */
export function predict(fit: Pick<LogisticFit, "intercept" | "coefficients">, x: readonly number[]): number {
  let eta = fit.intercept;
  for (let j = 0; j < x.length; j++) eta += fit.coefficients[j] * x[j];
  return sigmoid(eta);
}
