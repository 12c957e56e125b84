import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RELATION_CLASSES, resolveRelationLabel } from "@/lib/taxonomy/relations";
import { classMask, classesOf, classesOfMask, primaryClass, rarityOrder, tagProgram, tagQuestion, tagText } from "@/lib/taxonomy/tagger";

describe("relation tagger", () => {
  it("matches the longest phrase first and tags each relation once", () => {
    const tags = tagText("Is the red cube in front of the sphere that is in front of the large cylinder?");
    expect(tags.map((t) => [t.relation, t.class])).toEqual([["front", "projective"]]);
  });

  it("tags several classes in order of mention", () => {
    const tags = tagText("What is the object next to the cup on top of the table, and is it larger than the plate?");
    expect(tags.map((t) => t.relation)).toEqual(["next_to", "on", "larger"]);
    expect(classesOf(tags)).toEqual(["topological", "metric", "comparison"]);
  });

  it("does not read bare 'in' or 'at' as relations in free text", () => {
    expect(tagText("How many objects are in the image? Answer with at least one word.")).toEqual([]);
  });

  it("tags CLEVR programs: relate nodes and same_size, with `type` or `function` keys", () => {
    const program = [
      { type: "scene", inputs: [], value_inputs: [] },
      { function: "relate", inputs: [0], value_inputs: ["behind"] },
      { type: "relate", inputs: [1], value_inputs: ["left"] },
      { type: "same_size", inputs: [2] },
      { type: "same_color", inputs: [2] },
    ];
    expect(tagProgram(program).map((t) => t.relation)).toEqual(["behind", "left", "same_size"]);
    expect(tagProgram("not a program")).toEqual([]);
  });

  it("prefers explicit labels, otherwise merges program and text tags", () => {
    expect(tagQuestion({ text: "Is the cat left of the dog?", labels: ["facing away from"] }).map((t) => t.relation)).toEqual(["facing"]);
    const merged = tagQuestion({ text: "There is a cube left the metal cube; is it larger?", program: [{ type: "relate", value_inputs: ["left"] }] });
    expect(merged.map((t) => [t.relation, t.via])).toEqual([["left", "program"], ["larger", "text"]]);
  });

  it("maps every VSR relation label to a class (real VSR sample)", () => {
    const file = path.resolve("fixtures/export/vsr/vsr_random_test_first40.jsonl");
    const relations = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l).relation as string);
    expect(relations.length).toBe(40);
    const unmapped = relations.filter((r) => !resolveRelationLabel(r));
    expect(unmapped).toEqual([]);
    expect(resolveRelationLabel("at the left side of")?.relation).toBe("left");
    expect(resolveRelationLabel("left_of")?.relation).toBe("left");
  });

  it("picks the rarest class as the primary class", () => {
    const mask = classMask(["projective", "comparison"]);
    expect(classesOfMask(mask)).toEqual(["projective", "comparison"]);
    const rarity = rarityOrder({ projective: 900, comparison: 12, topological: 40, metric: 3, orientation: 0 });
    expect(rarity).toEqual(["orientation", "metric", "comparison", "topological", "projective"]);
    expect(primaryClass(mask, rarity)).toBe("comparison");
    expect(primaryClass(0, rarity)).toBe("none");
    expect(RELATION_CLASSES.length).toBe(5);
  });
});
