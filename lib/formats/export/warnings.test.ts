import { describe, expect, it } from "vitest";
import { splitWarnings } from "@/lib/formats/export/warnings";
import { normalizeLicense, cardLicense } from "@/lib/schemas/license";

const ratios = { train: 0.8, validation: 0.1, test: 0.1 };

describe("split warnings", () => {
  it("an empty split (5 images at 80/10/10) is named with the reason", () => {
    const [w, ...rest] = splitWarnings({ ratios, counts: { rows: 40, splits: { train: 32, validation: 8 } }, images: { train: 4, validation: 1 }, leaks: [] });
    expect(w).toMatch(/^The test split is empty although 10% was asked: splits are by image .* the export has 5 images/);
    expect(rest).toEqual([]);
  });

  it("a split far below its share is reported; rounding noise and unasked splits are not", () => {
    const small = splitWarnings({ ratios, counts: { rows: 1000, splits: { train: 938, validation: 60, test: 2 } }, images: { train: 90, validation: 4, test: 1 }, leaks: [] });
    expect(small).toHaveLength(1);
    expect(small[0]).toMatch(/^The test split has 2 rows \(0\.2%\) although 10% was asked/);
    expect(splitWarnings({ ratios, counts: { rows: 1000, splits: { train: 790, validation: 110, test: 100 } }, images: {}, leaks: [] })).toEqual([]);
    expect(splitWarnings({ ratios: { train: 1, validation: 0, test: 0 }, counts: { rows: 10, splits: { train: 10 } }, images: { train: 1 }, leaks: [] })).toEqual([]);
    // ratios that do not sum to 1 are shares of their sum
    expect(splitWarnings({ ratios: { train: 8, validation: 1, test: 1 }, counts: { rows: 10, splits: { train: 10 } }, images: { train: 1 }, leaks: [] })).toHaveLength(2);
  });

  it("images in two splits are listed", () => {
    const [w] = splitWarnings({ ratios, counts: { rows: 10, splits: { train: 8, validation: 1, test: 1 } }, images: {}, leaks: [{ name: "a.png", splits: ["train", "test"] }], leakCount: 1 });
    expect(w).toContain("1 image name is in more than one split");
    expect(w).toContain("a.png (train, test)");
  });
});

describe("licences", () => {
  it("normalises what people type to the card's ids", () => {
    expect(normalizeLicense("CC BY 4.0")).toBe("cc-by-4.0");
    expect(normalizeLicense(" CC-BY-4.0 ")).toBe("cc-by-4.0");
    expect(normalizeLicense("Apache 2.0")).toBe("apache-2.0");
    expect(normalizeLicense("MIT")).toBe("mit");
    expect(cardLicense([{ dataset: "a", license: "mit", attribution: null }, { dataset: "b", license: "mit", attribution: null }])).toBe("mit");
    expect(cardLicense([{ dataset: "a", license: "cc-by-4.0, apache-2.0", attribution: null }])).toBe("other");
  });
});
