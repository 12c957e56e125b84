// Confidence intervals used throughout calibration. Every statistic is reported as
// { value, lo, hi }; value is null when the statistic is undefined (no data, zero denominator).

/** Two-sided 95% normal quantile, Φ⁻¹(0.975), to double precision. */
export const Z95 = 1.959963984540054;

export interface Interval {
  value: number | null;
  lo: number | null;
  hi: number | null;
}

export const EMPTY_INTERVAL: Interval = Object.freeze({ value: null, lo: null, hi: null }) as Interval;

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/**
 * Wilson score interval for a binomial proportion k/n (Wilson 1927). Unlike the Wald interval it
 * stays inside [0, 1] and keeps near-nominal coverage for small n and proportions near 0 or 1,
 * which is exactly where verifier rules live (rare failures, precision close to 1).
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (!(n > 0)) return { ...EMPTY_INTERVAL };
  if (k < 0 || k > n) throw new RangeError(`wilson: ${k} successes out of ${n}`);
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // at k = 0 or k = n one bound is exactly 0 or 1; rounding must not push it past
  return { value: p, lo: k === 0 ? 0 : clamp(centre - half, 0, 1), hi: k === n ? 1 : clamp(centre + half, 0, 1) };
}

/** A symmetric normal-approximation interval value ± z·se, clipped to [min, max]. */
export function normalInterval(value: number, se: number, min: number, max: number, z = Z95): Interval {
  if (!Number.isFinite(value)) return { ...EMPTY_INTERVAL };
  if (!Number.isFinite(se)) return { value, lo: null, hi: null };
  return { value, lo: clamp(value - z * se, min, max), hi: clamp(value + z * se, min, max) };
}
