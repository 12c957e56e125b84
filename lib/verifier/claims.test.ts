import { describe, expect, it } from "vitest";
import { parseReasoning } from "@/lib/verifier/claims";

// The claims grammar, one form per case (docs/claims-grammar.md lists the same examples).

const claimsOf = (text: string) => parseReasoning(text).claims.map(({ text: _text, ...claim }) => claim);

describe("claims grammar", () => {
  it("reads object references in all three spellings", () => {
    expect(parseReasoning("obj_3 is red. object 4 is blue. #5 is a cube.").ids.sort()).toEqual([3, 4, 5]);
    expect(claimsOf("Object 4 is a large shiny ball.")).toEqual([{ kind: "members", ids: [4], negated: false, desc: { attrs: { size: "large", material: "metal", shape: "sphere" } } }]);
  });

  it("attribute claims: membership and 'the ATTR of X is V'", () => {
    expect(claimsOf("obj_3 is a large red metal cube.")).toEqual([{ kind: "members", ids: [3], negated: false, desc: { attrs: { size: "large", color: "red", material: "metal", shape: "cube" } } }]);
    expect(claimsOf("The color of obj_3 is grey.")).toEqual([{ kind: "attribute", id: 3, attribute: "color", value: "gray" }]);
    expect(claimsOf("obj_3's material is matte.")).toEqual([{ kind: "attribute", id: 3, attribute: "material", value: "rubber" }]);
  });

  it("relation claims, with negation and the long forms", () => {
    expect(claimsOf("obj_3 is to the left of obj_5.")).toEqual([{ kind: "members", ids: [3], negated: false, desc: { attrs: {}, rel: { relation: "left", object: 5 } } }]);
    expect(claimsOf("obj_3 is not in front of obj_5.")).toEqual([{ kind: "members", ids: [3], negated: true, desc: { attrs: {}, rel: { relation: "front", object: 5 } } }]);
    expect(claimsOf("obj_1 isn't behind #2.")[0]).toMatchObject({ negated: true, desc: { rel: { relation: "behind", object: 2 } } });
  });

  it("set claims: a list and a description with a relation", () => {
    const parsed = parseReasoning("obj_4 and obj_6 are cylinders left of obj_1.");
    expect(parsed.claims).toMatchObject([{ kind: "members", ids: [4, 6], desc: { attrs: { shape: "cylinder" }, rel: { relation: "left", object: 1 } } }]);
    expect(parsed.sets).toEqual([[4, 6]]);
  });

  it("counts: 'there are N …', 'there is no …', 'no object is …', lists, and bare counts", () => {
    expect(claimsOf("There are 4 small cubes.")).toEqual([{ kind: "count", n: 4, desc: { attrs: { size: "small", shape: "cube" } }, ids: null }]);
    expect(claimsOf("There is no red sphere behind obj_2.")).toEqual([{ kind: "count", n: 0, desc: { attrs: { color: "red", shape: "sphere" }, rel: { relation: "behind", object: 2 } }, ids: null }]);
    expect(claimsOf("No object is right of obj_7.")).toEqual([{ kind: "count", n: 0, desc: { attrs: {}, rel: { relation: "right", object: 7 } }, ids: null }]);
    expect(claimsOf("There are three things: obj_0, obj_1 and obj_2.")).toEqual([{ kind: "count", n: 3, desc: { attrs: {} }, ids: [0, 1, 2] }]);
    expect(claimsOf("The count is 4.")).toEqual([{ kind: "count", n: 4, desc: null, ids: null }]);
    expect(claimsOf("obj_4 and obj_6 are cylinders, so there are 2.")).toContainEqual({ kind: "count", n: 2, desc: null, ids: [4, 6] });
  });

  it("identity and enumeration: 'the X is obj_3'", () => {
    expect(claimsOf("The yellow sphere is obj_1.")).toEqual([{ kind: "enumeration", ids: [1], desc: { attrs: { color: "yellow", shape: "sphere" } } }]);
    expect(parseReasoning("The yellow sphere is obj_1.").conclusion).toBe("obj_1");
  });

  it("same / different, with and without a reference object", () => {
    expect(claimsOf("obj_2 and obj_5 have the same color.")).toEqual([{ kind: "same", ids: [2, 5], attribute: "color", reference: null, same: true }]);
    expect(claimsOf("obj_2 and obj_5 have different sizes, so no.")).toEqual([{ kind: "same", ids: [2, 5], attribute: "size", reference: null, same: false }]);
    expect(claimsOf("obj_2 has the same shape as obj_7.")).toEqual([{ kind: "same", ids: [2], attribute: "shape", reference: 7, same: true }]);
  });

  it("descriptions: same-attribute, exclusion and either/or", () => {
    expect(claimsOf("There are 2 things with the same material as obj_3.")[0]).toMatchObject({ desc: { same: { attribute: "material", object: 3 } } });
    expect(claimsOf("There are 3 spheres other than obj_1 and obj_3.")[0]).toMatchObject({ desc: { attrs: { shape: "sphere" }, except: [1, 3] } });
    expect(claimsOf("obj_1 and obj_4 are spheres that are either large things or metal things.")[0]).toMatchObject({
      desc: { attrs: { shape: "sphere" }, or: [{ attrs: { size: "large" } }, { attrs: { material: "metal" } }] },
    });
  });

  it("comparisons and distances", () => {
    expect(claimsOf("3 is greater than 2, so yes.")).toEqual([{ kind: "compare", a: 3, b: 2, op: "gt", negated: false }]);
    expect(claimsOf("two is not less than one.")).toEqual([{ kind: "compare", a: 2, b: 1, op: "lt", negated: true }]);
    expect(claimsOf("The distance between obj_1 and obj_2 is 2.31.")).toEqual([{ kind: "distance", a: 1, b: 2, value: 2.31 }]);
  });

  it("conclusions: 'so X', a count, an attribute value; the last sentence wins", () => {
    expect(parseReasoning("There are 2 small cylinders, so yes.").conclusion).toBe("yes");
    expect(parseReasoning("There are 2 cylinders left of obj_1.").conclusion).toBe("2");
    expect(parseReasoning("The material of obj_6 is matte.").conclusion).toBe("rubber");
    expect(parseReasoning("obj_4 is a cube. The answer is: obj_4.").conclusion).toBe("obj_4");
    expect(parseReasoning("The cube is obj_4, so the answer is obj_4.").conclusion).toBe("obj_4");
  });

  it("makes no claim from sentences it does not know, but still records the lists they state", () => {
    const parsed = parseReasoning("Next I look at the objects. Together they are obj_1 and obj_3. The tool rejected the call.");
    expect(parsed.claims).toEqual([]);
    expect(parsed.sets).toEqual([[1, 3]]);
    expect(parsed.conclusion).toBeNull();
  });

  it("reads any letter case, and text beyond ASCII, as its lower-cased form", () => {
    // the same claims (their text is quoted as written), sets and conclusion
    const read = (text: string) => ({ ...parseReasoning(text), claims: claimsOf(text) });
    expect(read("THERE ARE 2 CUBES: OBJ_1 AND #2. The Color of Obj_3 Is RED, so Red.")).toEqual(read("there are 2 cubes: obj_1 and #2. the color of obj_3 is red, so red."));
    expect(claimsOf("OBJ_3'S COLOR IS RED.")).toEqual(claimsOf("obj_3's color is red."));
    // "İ" lower-cases to two characters: the whole text is lower-cased first, then read
    expect(claimsOf("İ see it. THE COLOR OF OBJ_3 IS RED.")).toEqual([{ kind: "attribute", id: 3, attribute: "color", value: "red" }]);
    expect(parseReasoning("Ünïcode aside, obj_1 is a Cube.").ids).toEqual([1]);
  });

  it("does not check hypothetical sentences against the real scene", () => {
    const parsed = parseReasoning("If obj_4 became red, its color would be red. There would be 3 red things.");
    expect(parsed.claims).toEqual([]);
    expect(parsed.hypothetical).toBe(2);
    expect(parsed.conclusion).toBe("3");
  });
});
