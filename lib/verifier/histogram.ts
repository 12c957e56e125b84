// Histogram bins scaled to where the data is (docs/design.md §5): quality scores of a verified
// dataset often sit in a narrow band (0.9–1.0), and twenty bins over 0–1 then put everything in one
// or two bars. The range is snapped to a "nice" bin width so bin edges read well (0.905, 0.91, …).

export interface HistogramRange {
  /** lower edge of the first bin */
  lo: number;
  /** bin width */
  width: number;
  /** number of bins; the last bin includes its upper edge */
  bins: number;
}

const NICE_WIDTHS = [0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1];
const EPSILON = 1e-9;

const snap = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Bins covering [min, max] of scores in [0, 1]: the smallest nice width that covers the span in at
 * most `maxBins` bins, edges on multiples of the width, clamped to [0, 1]. Without data: 0–1.
 * All scores equal: five bins of 0.01 ending at (or just past) the value.
 */
export function histogramRange(min: number | null, max: number | null, maxBins = 20): HistogramRange {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return { lo: 0, width: snap(1 / maxBins), bins: maxBins };
  const lo0 = Math.max(0, Math.min(1, Math.min(min, max)));
  const hi0 = Math.max(0, Math.min(1, Math.max(min, max)));
  if (hi0 - lo0 < EPSILON) {
    const width = 0.01;
    const top = Math.min(1, snap(Math.floor(hi0 / width + EPSILON) * width + width));
    const lo = Math.max(0, snap(top - 5 * width));
    if (lo === 0) return { lo: 0, width, bins: 5 };
    return { lo, width, bins: Math.max(1, Math.round((top - lo) / width)) };
  }
  for (const width of NICE_WIDTHS) {
    const lo = snap(Math.floor(lo0 / width + EPSILON) * width);
    const bins = Math.max(1, Math.ceil((hi0 - lo) / width - EPSILON));
    // the top edge belongs to the last bin, so a score exactly on it needs no extra bin
    if (bins <= maxBins) return { lo, width, bins };
  }
  return { lo: 0, width: snap(1 / maxBins), bins: maxBins };
}

/** The bin a score falls into (scores outside the range go to the first / last bin). */
export function binIndex(range: HistogramRange, value: number): number {
  return Math.min(range.bins - 1, Math.max(0, Math.floor((value - range.lo) / range.width + EPSILON)));
}

/** The [from, to] edges of every bin. */
export function binEdges(range: HistogramRange): Array<{ from: number; to: number }> {
  return Array.from({ length: range.bins }, (_, i) => ({ from: snap(range.lo + i * range.width), to: snap(range.lo + (i + 1) * range.width) }));
}

/** Digits that tell the edges apart (0.905 needs three). */
export function edgeDigits(range: HistogramRange): number {
  return range.width < 0.01 ? 3 : 2;
}
