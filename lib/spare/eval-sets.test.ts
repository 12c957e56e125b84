import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { evalQuestion, readVsr, readWhatsUp, VSR_META_CATEGORIES, VSR_META_TABLE, vsrMetaCategory } from "@/lib/spare/eval-sets";

const buf = (text: string) => Buffer.from(text, "utf8");

describe("What's Up reader", () => {
  it("reads the JSON array shape: the first option is the right caption, relation and class tagged", () => {
    const { items, errors } = readWhatsUp("whatsup.json", fs.readFileSync(path.resolve("fixtures/spare/whatsup_sample.json")));
    expect(errors).toEqual([]);
    expect(items).toHaveLength(5);
    expect(items[0]).toMatchObject({ set: "whatsup", caption: "A mug on a table", relation: "on", relationClass: "topological", label: true });
    expect(items[2]).toMatchObject({ relation: "left", relationClass: "projective" });
    expect(items[3]).toMatchObject({ relation: "back", relationClass: "projective" });
    expect(items[0].options).toHaveLength(4);
  });

  it("also reads JSONL, and the question rotates the options so the answer is not always (A)", () => {
    const jsonl = [{ image_path: "a.jpg", caption_options: ["A cup on a box", "A cup under a box"] }, { image_path: "bb.jpg", caption_options: ["A cat under a bed", "A cat on a bed"] }].map((r) => JSON.stringify(r)).join("\n");
    const { items } = readWhatsUp("w.jsonl", buf(jsonl));
    const asked = items.map(evalQuestion);
    for (const [i, q] of asked.entries()) {
      expect(q.question).toContain(items[i].options[0]);
      expect(q.answer.endsWith(items[i].options[0])).toBe(true);
      expect(q.question).toContain(q.answer); // "(B) A cup on a box" appears as written in the question
    }
    expect(new Set(asked.map((q) => q.answer.slice(0, 3))).size).toBeGreaterThan(1);
  });

  it("malformed input: every problem as file:line:path, nothing returned", () => {
    const bad = readWhatsUp("w.json", buf(JSON.stringify([{ image_path: "a.jpg", caption_options: ["only one"] }, { caption_options: ["x", "y"] }, "nope", { image_path: "b.jpg", caption_options: ["ok", 3] }])));
    expect(bad.items).toEqual([]);
    expect(bad.errors).toEqual([
      { file: "w.json", line: 1, path: "$[0].caption_options", error: "needs at least two options (the right one first)" },
      { file: "w.json", line: 1, path: "$[1].image_path", error: "missing" },
      { file: "w.json", line: 1, path: "$[2]", error: "expected a JSON object with image_path and caption_options" },
      { file: "w.json", line: 1, path: "$[3].caption_options[1]", error: "expected a string, got number" },
    ]);
    expect(readWhatsUp("w.json", buf("[")).errors[0]).toMatchObject({ line: 1, path: "$", error: expect.stringMatching(/^not JSON/) });
    expect(readWhatsUp("w.json", buf("[]")).errors[0].error).toMatch(/no records found/);
    expect(readWhatsUp("w.json", Buffer.from([0xff, 0xfe, 0x5b, 0x00])).errors[0].error).toMatch(/UTF-16/);
    expect(readWhatsUp("w.json", Buffer.from([0x5b, 0xc3, 0x28, 0x5d])).errors[0].error).toMatch(/UTF-8/);
  });
});

describe("VSR reader", () => {
  it("reads the real VSR sample: labels, relations, meta-categories and our classes", () => {
    const { items, errors } = readVsr("vsr.jsonl", fs.readFileSync(path.resolve("fixtures/spare/vsr_random_test_first40.jsonl")));
    expect(errors).toEqual([]);
    expect(items).toHaveLength(40);
    expect(items[0]).toMatchObject({ image: "000000451431.jpg", caption: "The person is inside the refrigerator.", label: true, relation: "inside", metaCategory: "Topological", relationClass: "topological" });
    expect(items.every((i) => i.relationClass !== "none")).toBe(true);
    expect(items.some((i) => !i.label)).toBe(true);
  });

  it("meta-categories, unknown relations are Unallocated", () => {
    expect(vsrMetaCategory("left of")).toBe("Projective");
    expect(vsrMetaCategory("Close_To")).toBe("Proximity");
    expect(vsrMetaCategory("facing away from")).toBe("Orientation");
    expect(vsrMetaCategory("at the edge of")).toBe("Adjacency");
    expect(vsrMetaCategory("across from")).toBe("Directional");
    expect(vsrMetaCategory("beyond")).toBe("Unallocated");
    expect(vsrMetaCategory("made of")).toBe("Unallocated");
  });

  it("malformed lines: file:line:path for each, nothing returned", () => {
    const lines = [
      JSON.stringify({ image: "a.jpg", caption: "The cat is on the bed.", label: 1, relation: "on" }),
      JSON.stringify({ image: "b.jpg", caption: "", label: 0, relation: "under" }),
      JSON.stringify({ image: "c.jpg", caption: "The dog is near the car.", label: "yes", relation: "near" }),
      "{oops",
      JSON.stringify({ image: "d.jpg", caption: "The cup is left of the plate." , label: 0 }),
    ].join("\n");
    const { items, errors } = readVsr("v.jsonl", buf(lines));
    expect(items).toEqual([]);
    expect(errors).toEqual([
      { file: "v.jsonl", line: 2, path: "$.caption", error: "empty" },
      { file: "v.jsonl", line: 3, path: "$.label", error: 'expected 1 or 0, got "yes"' },
      { file: "v.jsonl", line: 4, path: "$", error: expect.stringMatching(/^not JSON/) },
      { file: "v.jsonl", line: 5, path: "$.relation", error: "missing" },
    ]);
    expect(readVsr("v.jsonl", buf("\n\n")).errors[0].error).toMatch(/no records found/);
    expect(evalQuestion({ set: "vsr", image: "a.jpg", caption: "The cat is on the bed.", options: [], label: false, relation: "on", metaCategory: "Topological", relationClass: "topological", file: "v", line: 1 })).toEqual({ question: 'Is this statement about the image true? "The cat is on the bed." Answer yes or no.', answer: "no" });
  });

  it("VSR meta-categories: the repository's table (71 names, 70 relations, 7 categories), \"among\" counted as VSR's script counts it", () => {
    expect(Object.keys(VSR_META_TABLE)).toEqual([...VSR_META_CATEGORIES]);
    const sizes = Object.fromEntries(Object.entries(VSR_META_TABLE).map(([c, r]) => [c, r.length]));
    expect(sizes).toEqual({ Adjacency: 10, Directional: 16, Orientation: 4, Projective: 12, Proximity: 5, Topological: 18, Unallocated: 6 });
    const all = Object.values(VSR_META_TABLE).flat();
    expect(all).toHaveLength(71);
    expect(new Set(all).size).toBe(70);
    // every relation lands where the table puts it (the one listed twice: where the later line puts it)
    for (const [category, relations] of Object.entries(VSR_META_TABLE)) {
      for (const relation of relations) if (relation !== "among") expect(vsrMetaCategory(relation), relation).toBe(category);
    }
    expect(vsrMetaCategory("among")).toBe("Unallocated");
    // spot checks against the paper's examples, in the spellings the data files use
    const expected: Record<string, string> = {
      "next to": "Unallocated", "opposite to": "Unallocated", "enclosed by": "Unallocated", beyond: "Unallocated", after: "Unallocated",
      "in the middle of": "Projective", "on top of": "Projective", beneath: "Projective", over: "Projective", beside: "Projective",
      "at the back of": "Adjacency", "ahead of": "Adjacency", against: "Adjacency",
      "deep down": "Directional", "down from": "Directional", into: "Directional", toward: "Directional",
      "far away from": "Proximity", by: "Proximity",
      "has as a part": "Topological", "consists of": "Topological", "out of": "Topological", surrounding: "Topological", touching: "Topological", on: "Topological",
      "facing away from": "Orientation", "perpendicular to": "Orientation",
      "AT_THE_RIGHT_SIDE_OF": "Adjacency", "  Far   From ": "Proximity",
    };
    for (const [relation, category] of Object.entries(expected)) expect(vsrMetaCategory(relation), relation).toBe(category);
    // the 22 relations of the fixture's 40 records (real VSR test lines) are all allocated
    const fixture = readVsr("vsr.jsonl", fs.readFileSync(path.resolve("fixtures/spare/vsr_random_test_first40.jsonl")));
    expect(fixture.errors).toEqual([]);
    expect(new Set(fixture.items.map((i) => i.relation)).size).toBe(22);
    expect(fixture.items.filter((i) => i.metaCategory === "Unallocated")).toEqual([]);
  });
});
