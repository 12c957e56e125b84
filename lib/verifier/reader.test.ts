import path from "node:path";
import { describe, expect, it } from "vitest";
import { readClevrScenes } from "@/lib/teacher/scripted";
import { parseReasoning } from "@/lib/verifier/claims";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { verifyTrace } from "@/lib/verifier/verify";

// The general reader (docs/claims-grammar.md, "Beyond the grammar"): sentences the strict grammar
// does not know, as teacher models write them. Each case states what must be read; the truth of
// what is read is checked against a real CLEVR scene.

const claimsOf = (text: string) => parseReasoning(text).claims.map(({ text: _text, ...claim }) => claim);
const scene = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json"))[0];
const verdict = (text: string) => verifyTrace({ steps: [{ kind: "reasoning", text }], scene }, DEFAULT_SETTINGS).verdicts.find((v) => v.rule === "reasoning.claims")!;

describe("general reader", () => {
  it("reads the issue's four sentences", () => {
    expect(claimsOf("I count four cylinders behind obj_1.")).toEqual([{ kind: "count", n: 4, ids: null, desc: expect.objectContaining({ attrs: expect.objectContaining({ shape: "cylinder" }), rel: { relation: "behind", object: 1 } }) }]);
    expect(claimsOf("obj_3 and obj_5 share the same size.")).toEqual([{ kind: "same", ids: [3, 5], attribute: "size", reference: null, same: true }]);
    const gives = parseReasoning("That gives 1 sphere left of the cyan cylinder.");
    expect(gives.claims).toMatchObject([{ kind: "count", n: 1, desc: { attrs: { shape: "sphere" }, rel: { relation: "left", object: -1, anchor: { attrs: { color: "cyan", shape: "cylinder" } } } } }]);
    expect(gives.conclusion).toBe("1");
    expect(claimsOf("According to the attributes, obj_0's material is metal.")).toEqual([{ kind: "attribute", id: 0, attribute: "material", value: "metal" }]);
  });

  it("hedges are read as claims; uncertainty and questions are not", () => {
    expect(claimsOf("It appears that obj_2 is behind obj_0.")).toMatchObject([{ kind: "members", ids: [2], negated: false, desc: { rel: { relation: "behind", object: 0 } } }]);
    expect(claimsOf("I can see that obj_2 seems to be a big shiny ball.")).toMatchObject([{ kind: "members", ids: [2], desc: { attrs: { size: "large", material: "metal", shape: "sphere" } } }]);
    expect(claimsOf("obj_2 might be a cube.")).toEqual([]);
    expect(claimsOf("Is obj_2 red?")).toEqual([]);
    expect(claimsOf("We should check whether obj_2 is metal.")).toEqual([]);
    expect(claimsOf("I need to find 2 cubes behind obj_1.")).toEqual([]);
    expect(claimsOf("I don't see 3 cubes.")).toEqual([]);
  });

  it("negation in its usual spellings", () => {
    for (const text of ["obj_4 isn't red.", "obj_4 does not appear to be red.", "obj_4 doesn't look red.", "Object 4 is clearly not red."]) {
      expect(claimsOf(text), text).toEqual([{ kind: "members", ids: [4], negated: true, desc: expect.objectContaining({ attrs: expect.objectContaining({ color: "red" }) }) }]);
    }
    expect(claimsOf("obj_4 is not only red but also metal.")).toEqual([]);
  });

  it("counts in any frame, numbers as words, zero as 'no' and 'not any'", () => {
    const n = (text: string) => claimsOf(text).map((c) => (c.kind === "count" ? c.n : null));
    expect(n("There are exactly three cubes in total.")).toEqual([3]);
    expect(n("So we have twelve objects.")).toEqual([12]);
    expect(n("The number of red things is two.")).toEqual([2]);
    expect(n("Cylinders behind obj_1: 2")).toEqual([2]);
    expect(n("I don't see any red spheres.")).toEqual([0]);
    expect(n("There aren't any red spheres.")).toEqual([0]);
    expect(n("None of the spheres are red.")).toEqual([0]);
    expect(n("Two cubes are red.")).toEqual([2]);
    expect(n("Step 2: I found 3 large metal things.")).toEqual([3]);
  });

  it("attributes, same/different and enumerations in list and prose styles", () => {
    expect(claimsOf("- obj_3: large, red, metal cube")).toMatchObject([{ kind: "members", ids: [3], desc: { attrs: { size: "large", color: "red", material: "metal", shape: "cube" } } }]);
    expect(claimsOf("**obj_3** color: red")).toEqual([{ kind: "attribute", id: 3, attribute: "color", value: "red" }]);
    expect(claimsOf("obj_3 is red in color.")).toEqual([{ kind: "attribute", id: 3, attribute: "color", value: "red" }]);
    expect(claimsOf("Looking at obj_3, its color is red.")).toEqual([{ kind: "attribute", id: 3, attribute: "color", value: "red" }]);
    expect(claimsOf("obj_1's color matches obj_2's.")).toEqual([{ kind: "same", ids: [1, 2], attribute: "color", reference: null, same: true }]);
    expect(claimsOf("The colors of obj_1 and obj_2 differ.")).toEqual([{ kind: "same", ids: [1, 2], attribute: "color", reference: null, same: false }]);
    expect(claimsOf("obj_1 differs from obj_2 in size.")).toEqual([{ kind: "same", ids: [1, 2], attribute: "size", reference: null, same: false }]);
    expect(claimsOf("obj_2 is the only sphere.")).toMatchObject([{ kind: "enumeration", ids: [2], desc: { attrs: { shape: "sphere" } } }]);
    expect(claimsOf("Red cubes: obj_1, obj_4")).toMatchObject([{ kind: "enumeration", ids: [1, 4] }]);
    expect(claimsOf("The cyan cylinder is left of obj_2.")).toMatchObject([{ kind: "definite", negated: false, subject: { attrs: { color: "cyan", shape: "cylinder" } }, desc: { rel: { relation: "left", object: 2 } } }]);
    expect(claimsOf("obj_3 is red and obj_4 is a cube.")).toHaveLength(2);
    expect(claimsOf("obj_3, which is red, is behind obj_1.")).toHaveLength(2);
  });

  it("conclusions are a value, never a function word; an unreadable one is skipped with the reason", () => {
    const conclusion = (text: string) => parseReasoning(text).conclusion;
    expect(conclusion("So the answer is yes.")).toBe("yes");
    expect(conclusion("Therefore, the final answer is: **two**.")).toBe("2");
    expect(conclusion("In total, there are 3 cubes.")).toBe("3");
    expect(conclusion("That gives 2.")).toBe("2");
    expect(conclusion("Thus the answer should be purple.")).toBe("purple");
    expect(conclusion("Answer: obj_2 and obj_4")).toBe("obj_2, obj_4");
    expect(conclusion("Yes, there is a red cube.")).toBe("yes");
    expect(conclusion("The answer is \\boxed{4}.")).toBe("4");
    expect(conclusion("So the number of cubes is 3.")).toBe("3");
    for (const text of ["So the answer is the one on the left.", "Therefore, the one on the left.", "So, that is it."]) {
      const parsed = parseReasoning(text);
      expect(parsed.conclusion, text).toBeNull();
      expect(parsed.unreadConclusion, text).toMatch(/could not read a conclusion/);
    }
  });

  it("what it reads is checked against the scene like any claim", () => {
    const o = scene.objects[0];
    expect(verdict(`It looks like obj_0 is ${o.color} in color.`).outcome).toBe("pass");
    const other = ["gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"].find((c) => c !== o.color)!;
    expect(verdict(`It looks like obj_0 is ${other} in color.`).outcome).toBe("fail");
    const n = scene.objects.filter((x) => x.shape === "cube").length;
    expect(verdict(`I count ${n} cubes.`).outcome).toBe("pass");
    expect(verdict(`I count ${n + 1} cubes.`).outcome).toBe("fail");
    // an anchor description several objects fit cannot be checked
    expect(verdict("obj_0 is left of the thing.").outcome).toBe("skip");
  });
});
