import { describe, expect, it } from "vitest";
import { SCENE_TYPES, sceneTypeOf } from "@/lib/scenes/index";
import type { Scene } from "@/lib/scenes/model";
import { livingRoom, photoObject as obj } from "@/lib/scenes/test-scenes";
import { canonicalCategory, canonicalRelation, coveredCategories, groupAttributes } from "@/lib/scenes/vocabulary";
import { argIssues, getTool } from "@/lib/tools/registry";

const run = (scene: Scene, tool: string, args: Record<string, unknown>) => getTool(tool)!.execute!(scene, args);

describe("the scene-type registry", () => {
  it("holds clevr, graph and boxes, each with a vocabulary, relations and tolerances", () => {
    expect(SCENE_TYPES.map((t) => t.kind)).toEqual(["clevr", "graph", "boxes"]);
    for (const t of SCENE_TYPES) {
      expect(t.vocabulary.relations.length).toBeGreaterThan(3);
      expect(Object.keys(t.vocabulary.attributes).length).toBeGreaterThan(3);
      expect(t.tolerances.margin).toBeGreaterThanOrEqual(0);
    }
    expect(sceneTypeOf({ ...livingRoom, kind: undefined }).kind).toBe("clevr");
  });

  it("vocabulary: synonyms, plurals, broader nouns, relation phrases, attribute families", () => {
    expect(canonicalCategory("Sofas")).toBe("couch");
    expect(canonicalCategory("garbage can")).toBe("trash can");
    expect(canonicalCategory("people")).toBe("person");
    expect(coveredCategories("furniture")).toEqual(expect.arrayContaining(["chair", "couch", "dining table"]));
    expect(canonicalRelation("to the left of")).toBe("left");
    expect(canonicalRelation("In front of")).toBe("front");
    expect(canonicalRelation("wearing")).toBe("wearing");
    expect(groupAttributes(["White", "closed", "wood", "fluffy"])).toEqual({ color: ["white"], state: ["closed"], material: ["wooden"], other: ["fluffy"] });
  });
});

describe("tools on a boxes scene", () => {
  it("detect matches categories with synonyms, plurals and broader nouns, and attribute words", () => {
    expect(run(livingRoom, "detect", { query: "chairs" })).toMatchObject({ ok: true, value: [{ id: "obj_0", label: "chair" }, { id: "obj_2", label: "armchair" }] });
    expect(run(livingRoom, "detect", { query: "table" })).toMatchObject({ ok: true, value: [{ id: "obj_1", box: [250, 220, 200, 120] }] });
    expect(run(livingRoom, "detect", { query: "furniture" })).toMatchObject({ ok: true, value: [{ id: "obj_0" }, { id: "obj_1" }, { id: "obj_2" }] });
    expect(run(livingRoom, "detect", { query: "white chair" })).toEqual({ ok: true, value: [expect.objectContaining({ id: "obj_2" })] });
    // a known noun with no object: confidently none
    expect(run(livingRoom, "detect", { query: "couch" })).toEqual({ ok: true, value: [] });
  });

  it("detect with a word outside the vocabulary is undecided, not empty", () => {
    const outcome = run(livingRoom, "detect", { query: "gizmo" });
    expect(outcome).toMatchObject({ ok: true, value: [], undecided: expect.stringContaining('"gizmo"') });
    expect(outcome.ok && outcome.uncertain).toHaveLength(5);
  });

  it("relations come from geometry, with the ambiguity margin", () => {
    expect(run(livingRoom, "check_relation", { subject: "obj_0", relation: "left", object: "obj_1" })).toEqual({ ok: true, value: true });
    expect(run(livingRoom, "check_relation", { subject: "obj_0", relation: "to the right of", object: "obj_1" })).toEqual({ ok: true, value: false });
    expect(run(livingRoom, "check_relation", { subject: "obj_3", relation: "above", object: "obj_1" })).toEqual({ ok: true, value: true });
    expect(run(livingRoom, "check_relation", { subject: "obj_4", relation: "inside", object: "obj_1" })).toEqual({ ok: true, value: true });
    expect(run(livingRoom, "check_relation", { subject: "obj_1", relation: "larger", object: "obj_4" })).toEqual({ ok: true, value: true });
    // the lamp hangs 10 px right of the table's centre: inside the 32 px margin
    expect(run(livingRoom, "check_relation", { subject: "obj_3", relation: "right", object: "obj_1" })).toEqual({
      ok: true,
      value: true,
      undecided: expect.stringMatching(/obj_3 is within the margin of right of obj_1: centres 10 px apart horizontally, margin 32 px/),
    });
    // depth is unknown on a photo
    expect(run(livingRoom, "check_relation", { subject: "obj_0", relation: "behind", object: "obj_1" })).toMatchObject({ ok: true, undecided: expect.stringContaining("depth is unknown") });
    expect(run(livingRoom, "check_relation", { subject: "obj_0", relation: "wearing", object: "obj_1" })).toMatchObject({ ok: true, undecided: expect.stringContaining("cannot be derived from boxes") });
  });

  it("relate lists sure objects and the undecided ones apart", () => {
    expect(run(livingRoom, "relate", { object: "obj_0", relation: "right" })).toEqual({ ok: true, value: ["obj_1", "obj_2", "obj_3", "obj_4"] });
    const left = run(livingRoom, "relate", { object: "obj_1", relation: "left" });
    expect(left).toMatchObject({ ok: true, value: ["obj_0"], uncertain: [3, 4] });
  });

  it("filter, count, compare by attribute or area, get_attributes, distance", () => {
    expect(run(livingRoom, "filter", { objects: ["obj_0", "obj_2", "obj_4"], attribute: "color", value: "white" })).toEqual({ ok: true, value: ["obj_2", "obj_4"] });
    expect(run(livingRoom, "filter", { objects: ["obj_1", "obj_3"], attribute: "color", value: "white" })).toMatchObject({ ok: true, value: [], uncertain: [1, 3] });
    expect(run(livingRoom, "count", { objects: ["obj_0", "obj_2"] })).toEqual({ ok: true, value: 2 });
    expect(run(livingRoom, "compare", { a: "obj_0", b: "obj_1", attribute: "material" })).toEqual({ ok: true, value: true });
    expect(run(livingRoom, "compare", { a: "obj_0", b: "obj_2", attribute: "area" })).toEqual({ ok: true, value: true });
    expect(run(livingRoom, "compare", { a: "obj_0", b: "obj_4", attribute: "area" })).toEqual({ ok: true, value: false });
    expect(run(livingRoom, "get_attributes", { object: "obj_2" })).toEqual({ ok: true, value: { category: "armchair", color: "white" } });
    expect(run(livingRoom, "distance", { a: "obj_0", b: "obj_2" })).toMatchObject({ ok: true, value: expect.closeTo(430.12, 1) });
  });

  it("args use the open vocabulary on photos and CLEVR's closed one on CLEVR scenes", () => {
    const relate = getTool("relate")!;
    expect(argIssues(relate, { object: "obj_0", relation: "above" }, livingRoom)).toBeNull();
    expect(argIssues(relate, { object: "obj_0", relation: "above" }, { ...livingRoom, kind: "clevr" })).not.toBeNull();
    expect(argIssues(relate, { object: "obj_0", relation: "" }, livingRoom)).not.toBeNull();
    expect(run(livingRoom, "relate", { object: "obj_9", relation: "left" })).toEqual({ ok: false, error: expect.stringContaining("unknown object obj_9") });
  });
});

describe("tools on a graph scene", () => {
  const graph: Scene = {
    ...livingRoom,
    kind: "graph",
    objects: [...livingRoom.objects, obj(5, "man", [150, 100, 80, 300]), obj(6, "shirt", [160, 150, 60, 80], { color: ["blue"] })],
    // the man wears the shirt: relationships.wearing[shirt] lists the man
    relationships: { wearing: [[], [], [], [], [], [], [5]], left: [[], [3], [], [], [], [], []] },
  };

  it("given edges answer first, in either direction; geometry answers the rest", () => {
    expect(run(graph, "check_relation", { subject: "obj_5", relation: "wearing", object: "obj_6" })).toEqual({ ok: true, value: true });
    expect(run(graph, "check_relation", { subject: "obj_6", relation: "wearing", object: "obj_5" })).toMatchObject({ ok: true, undecided: expect.stringContaining("does not state") });
    // the graph says the lamp is left of the table although the geometry cannot decide it
    expect(run(graph, "check_relation", { subject: "obj_3", relation: "to the left of", object: "obj_1" })).toEqual({ ok: true, value: true });
    expect(run(graph, "check_relation", { subject: "obj_1", relation: "right", object: "obj_3" })).toEqual({ ok: true, value: true });
    expect(run(graph, "detect", { query: "person" })).toMatchObject({ ok: true, value: [{ id: "obj_5" }] });
  });
});

describe("CLEVR stays CLEVR", () => {
  it("refuses photo relations and words as before", () => {
    const clevr: Scene = { name: "c", width: 480, height: 320, relationships: { left: [[]] }, objects: [{ index: 0, color: "red", size: "large", shape: "cube", material: "metal", coords3d: null, pixel: null, box: null, boxSource: null }] };
    expect(run(clevr, "relate", { object: 0, relation: "above" }).ok).toBe(false);
    expect(run(clevr, "detect", { query: "chair" })).toEqual({ ok: false, error: expect.stringContaining('unknown word "chair"') });
  });
});

describe("hostile words", () => {
  it("prototype names are plain unknown words, never crashes", () => {
    for (const word of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(run(livingRoom, "detect", { query: word })).toMatchObject({ ok: true, undecided: expect.any(String) });
      expect(run(livingRoom, "check_relation", { subject: "obj_0", relation: word, object: "obj_1" })).toMatchObject({ ok: true, undecided: expect.any(String) });
      expect(run(livingRoom, "filter", { objects: ["obj_0"], attribute: word, value: word })).toMatchObject({ ok: true, value: [] });
      expect(run(livingRoom, "compare", { a: "obj_0", b: "obj_1", attribute: word })).toMatchObject({ ok: true, undecided: expect.any(String) });
      expect(canonicalCategory(word)).toBe(word.toLowerCase().replace(/s$/, ""));
    }
  });
});
