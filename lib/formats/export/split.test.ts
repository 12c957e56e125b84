import { describe, expect, it } from "vitest";
import { assignSplit, groupKey, imageKey, normalizeQuestion, splitOf, unitHash, unitHashes } from "@/lib/formats/export/split";

describe("splits by image", () => {
  it("normalises questions for de-duplication (case, punctuation, spacing, Unicode forms)", () => {
    expect(normalizeQuestion("How many  cubes are LEFT of the sphere?")).toBe(normalizeQuestion("how many cubes are left of the sphere"));
    expect(normalizeQuestion("Ｉs it red？")).toBe("is it red");
    expect(normalizeQuestion("Is it red?")).not.toBe(normalizeQuestion("Is it blue?"));
  });

  it("keys images by content hash first, so the same file in two datasets shares a split", () => {
    expect(imageKey({ sha256: "abc", name: "a.png" }, "d1", "q")).toBe(imageKey({ sha256: "abc", name: "other.png" }, "d2", "q"));
    expect(imageKey({ sha256: null, name: "a.png" }, "d1", "q")).not.toBe(imageKey({ sha256: null, name: "a.png" }, "d2", "q"));
    expect(groupKey("sha256:abc", "Is it red?")).toBe(groupKey("sha256:abc", "is it red"));
  });

  it("assigns splits by cumulative ratio and skips empty splits", () => {
    const ratios = { train: 0.8, validation: 0.1, test: 0.1 };
    expect(assignSplit(0.1, ratios)).toBe("train");
    expect(assignSplit(0.85, ratios)).toBe("validation");
    expect(assignSplit(0.95, ratios)).toBe("test");
    expect(assignSplit(0.99, { train: 1, validation: 0, test: 0 })).toBe("train");
    expect(assignSplit(0.5, { train: 0, validation: 0.5, test: 0.5 })).toBe("test");
  });

  it("is a pure function of seed and key, close to the requested ratios", () => {
    const ratios = { train: 0.8, validation: 0.1, test: 0.1 };
    expect(splitOf(3, "sha256:x", ratios)).toBe(splitOf(3, "sha256:x", ratios));
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 5000; i++) counts[splitOf(1, `img-${i}`, ratios)]++;
    expect(counts.train / 5000).toBeGreaterThan(0.77);
    expect(counts.train / 5000).toBeLessThan(0.83);
    expect(counts.test / 5000).toBeGreaterThan(0.08);
    const moved = Array.from({ length: 200 }, (_, i) => splitOf(1, `img-${i}`, ratios) !== splitOf(2, `img-${i}`, ratios)).filter(Boolean).length;
    expect(moved).toBeGreaterThan(0);
    const u = unitHash(0, "s", "k");
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    const [a, b] = unitHashes(0, "k");
    expect(a).not.toBe(b);
  });
});
