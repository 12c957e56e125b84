import { describe, expect, it } from "vitest";
import { binEdges, binIndex, histogramRange } from "@/lib/verifier/histogram";
import { qualityHistogram } from "@/lib/verifier/metrics";

const parts = { steps: null, completeness: null, final: null, rules: {} };
const total = (bins: ReturnType<typeof qualityHistogram>) => bins.reduce((s, b) => s + Object.values(b.counts).reduce((x, y) => x + y, 0), 0);

describe("histogramRange: scaled to where the data is", () => {
  it("a narrow band at the top gets its own bins, not one bar of 0.95–1", () => {
    const range = histogramRange(0.9, 1, 20);
    expect(range).toEqual({ lo: 0.9, width: 0.005, bins: 20 });
    expect(binIndex(range, 1)).toBe(19);
    expect(binIndex(range, 0.9)).toBe(0);
    expect(binIndex(range, 0.905)).toBe(1);
  });

  it("spans the whole unit interval when the scores do", () => {
    expect(histogramRange(0, 1, 20)).toEqual({ lo: 0, width: 0.05, bins: 20 });
    expect(histogramRange(0.03, 0.97, 10)).toEqual({ lo: 0, width: 0.1, bins: 10 });
  });

  it("edges on multiples of a nice width, covering min and max", () => {
    for (const [min, max] of [[0.413, 0.877], [0.61, 0.62], [0.2, 0.21], [0.999, 1], [0.5, 0.75]] as const) {
      const range = histogramRange(min, max, 12);
      const edges = binEdges(range);
      expect(edges.length).toBeLessThanOrEqual(12);
      expect(edges[0].from).toBeLessThanOrEqual(min);
      expect(edges[edges.length - 1].to).toBeGreaterThanOrEqual(max);
      expect(edges[edges.length - 1].to).toBeLessThanOrEqual(1);
      expect(binIndex(range, min)).toBe(0);
      expect(binIndex(range, max)).toBe(range.bins - 1);
    }
  });

  it("all scores equal: a few bins ending at the value; none: 0–1", () => {
    const one = histogramRange(1, 1, 20);
    expect(one).toEqual({ lo: 0.95, width: 0.01, bins: 5 });
    expect(binIndex(one, 1)).toBe(4);
    expect(histogramRange(0, 0, 20)).toEqual({ lo: 0, width: 0.01, bins: 5 });
    expect(histogramRange(0.42, 0.42, 20).lo).toBeLessThanOrEqual(0.42);
    expect(histogramRange(null, null, 20)).toEqual({ lo: 0, width: 0.05, bins: 20 });
  });

  it("qualityHistogram counts every trace once in bins over the data's span", () => {
    const traces = [0.91, 0.93, 0.95, 0.97, 1, 1, 1].map((quality, i) => ({ method: i % 2 ? "direct" : "bon", quality, valid: true, parts }));
    const bins = qualityHistogram(traces);
    expect(total(bins)).toBe(7);
    expect(bins[0].from).toBe(0.91);
    expect(bins[bins.length - 1].to).toBe(1);
    // no single bar holds everything
    expect(Math.max(...bins.map((b) => Object.values(b.counts).reduce((x, y) => x + y, 0)))).toBeLessThan(7);
  });
});
