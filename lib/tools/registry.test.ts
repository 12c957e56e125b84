import { describe, expect, it } from "vitest";
import { argIssues, getTool, invalidArgsOutcome, parseQuery, toolJsonSchemas, type ToolDefinition } from "@/lib/tools/registry";
import { deriveBox, parseObjectId, type Scene } from "@/lib/tools/scene";

// A three-object scene in CLEVR's convention: relationships[rel][i] lists the j that are rel of i.
// obj_0 is left of obj_1; obj_2 is right of both.
const scene: Scene = {
  name: "tiny",
  width: 480,
  height: 320,
  objects: [
    { index: 0, color: "red", size: "large", shape: "cube", material: "metal", coords3d: [0, 0, 0], pixel: [100, 100, 10], box: null, boxSource: null },
    { index: 1, color: "blue", size: "small", shape: "sphere", material: "rubber", coords3d: [3, 4, 0], pixel: [200, 100, 10], box: null, boxSource: null },
    { index: 2, color: "red", size: "small", shape: "cylinder", material: "rubber", coords3d: [6, 8, 0], pixel: [300, 100, 10], box: null, boxSource: null },
  ],
  relationships: {
    left: [[], [0], [0, 1]],
    right: [[1, 2], [2], []],
    front: [[], [], []],
    behind: [[], [], []],
  },
};

const run = (tool: string, args: Record<string, unknown>) => getTool(tool)!.execute!(scene, args);

describe("spatial tools", () => {
  it("relate follows relationships[rel][i]", () => {
    expect(run("relate", { object: "obj_1", relation: "left" })).toEqual({ ok: true, value: ["obj_0"] });
    expect(run("relate", { object: 0, relation: "right" })).toEqual({ ok: true, value: ["obj_1", "obj_2"] });
  });

  it("check_relation: subject is rel of object", () => {
    expect(run("check_relation", { subject: "obj_0", relation: "left", object: "obj_2" })).toEqual({ ok: true, value: true });
    expect(run("check_relation", { subject: "obj_2", relation: "left", object: "obj_0" })).toEqual({ ok: true, value: false });
  });

  it("detect parses attribute words and shape nouns", () => {
    expect(run("detect", { query: "red things" })).toMatchObject({ ok: true, value: [{ id: "obj_0" }, { id: "obj_2" }] });
    expect(run("detect", {})).toMatchObject({ ok: true, value: [{ id: "obj_0" }, { id: "obj_1" }, { id: "obj_2" }] });
    expect(run("detect", { query: "banana" })).toEqual({ ok: false, error: expect.stringContaining('unknown word "banana"') });
  });

  it("filter, count, compare, get_attributes, distance", () => {
    expect(run("filter", { objects: ["obj_0", "obj_1", "obj_2"], attribute: "material", value: "rubber" })).toEqual({ ok: true, value: ["obj_1", "obj_2"] });
    expect(run("count", { objects: ["obj_0", "#1", 1] })).toEqual({ ok: true, value: 2 });
    expect(run("compare", { a: "obj_0", b: "obj_2", attribute: "color" })).toEqual({ ok: true, value: true });
    expect(run("get_attributes", { object: "obj_1" })).toEqual({ ok: true, value: { color: "blue", size: "small", shape: "sphere", material: "rubber" } });
    expect(run("distance", { a: "obj_0", b: "obj_1" })).toEqual({ ok: true, value: 5 });
  });

  it("reports invalid args and unknown objects as tool errors", () => {
    expect(run("filter", { objects: ["obj_0"], attribute: "color", value: "rubber" })).toEqual({ ok: false, error: expect.stringContaining('"rubber" is not a color') });
    expect(run("relate", { object: "obj_9", relation: "left" })).toEqual({ ok: false, error: expect.stringContaining("unknown object obj_9") });
    expect(run("relate", { object: "obj_0", relation: "above" }).ok).toBe(false);
  });

  it("publishes JSON schemas in the OpenAI tools layout", () => {
    const schemas = toolJsonSchemas();
    expect(schemas.map((s) => s.function.name)).toEqual(["detect", "get_attributes", "filter", "relate", "check_relation", "count", "compare", "distance"]);
    expect(schemas[3].function.parameters).toMatchObject({ type: "object", required: ["object", "relation"] });
  });
});

describe("scene helpers", () => {
  it("parses the object reference forms", () => {
    expect(["obj_3", "object 3", "#3", "3", 3].map(parseObjectId)).toEqual([3, 3, 3, 3, 3]);
    expect(parseObjectId("obj_x")).toBeNull();
    expect(parseObjectId(-1)).toBeNull();
  });

  it("parses detect queries", () => {
    expect(parseQuery("the large shiny cylinders")).toEqual({ size: "large", material: "metal", shape: "cylinder" });
  });

  it("derives a box centred on pixel_coords that shrinks with depth", () => {
    const near = deriveBox([200, 150, 8], "large", "sphere", 480);
    const far = deriveBox([200, 150, 16], "large", "sphere", 480);
    expect(near[0] + near[2] / 2).toBeCloseTo(200, 0);
    expect(near[1] + near[3] / 2).toBeCloseTo(150, 0);
    expect(far[2]).toBeLessThan(near[2]);
    expect(near[2]).toBeCloseTo((2 * (35 / 32) * 480 * 0.7) / 8, 0);
  });
});

describe("fast argument checks", () => {
  // every combination of these per key, plus missing and extra keys: fastValid must agree with zod
  const pool: Record<string, unknown[]> = {
    object: ["obj_0", "#3", "7", 3, 0, "obj_x", "", -1, 1.5, "obj_", "object 3", null, ["obj_1"]],
    subject: ["obj_2", 2, "obj_", -2],
    a: ["obj_1", 1, "obj_q"],
    b: ["#2", 2.5, "2"],
    objects: [["obj_0", "#1", 2], [], ["obj_0", "x"], "obj_0", [1.5], null],
    attribute: ["color", "size", "shape", "material", "weight", 3],
    value: ["red", "rubber", "large", "cube", "pink", 1],
    relation: ["left", "front", "above", "next to", null],
    query: ["red cube", "", undefined, 5],
    extra: [undefined],
  };
  const spatialTools = () => toolJsonSchemas().map((t) => getTool(t.function.name)!);
  function argCombos(tool: ToolDefinition): Array<Record<string, unknown>> {
    const keys = Object.keys((tool.args as unknown as { shape?: Record<string, unknown> }).shape ?? (tool.args as unknown as { def: { in?: { shape: Record<string, unknown> } } }).def?.in?.shape ?? {});
    const candidates = [...new Set([...keys, "extra"])];
    const combos = (i: number): Array<Record<string, unknown>> => {
      if (i === candidates.length) return [{}];
      const rest = combos(i + 1);
      const key = candidates[i];
      const out: Array<Record<string, unknown>> = [...rest]; // key absent
      for (const value of pool[key] ?? []) for (const r of rest) out.push({ ...r, [key]: value });
      return out;
    };
    return combos(0);
  }

  it("accept exactly what the zod schemas accept; execute refuses the rest with their argIssues", () => {
    let compared = 0;
    let refused = 0;
    for (const tool of spatialTools()) {
      for (const args of argCombos(tool)) {
        expect(tool.fastValid!(args), `${tool.name} ${JSON.stringify(args)}`).toBe(tool.args.safeParse(args).success);
        // the verifier reuses argIssues as the outcome of executing refused args
        const issues = argIssues(tool, args);
        if (issues) {
          expect(tool.execute!(scene, args), `${tool.name} ${JSON.stringify(args)}`).toEqual(invalidArgsOutcome(issues));
          refused++;
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(1000);
  });

  it("executeIds lists the objects execute's result lists, in order, and refuses what execute refuses", () => {
    const listing = spatialTools().filter((tool) => tool.executeIds);
    expect(listing.map((tool) => tool.name).sort()).toEqual(["detect", "filter", "relate"]);
    let listed = 0;
    const more: Record<string, Array<Record<string, unknown>>> = {
      detect: [{}, { query: "red things" }, { query: "small" }],
      filter: [{ objects: ["obj_2", "obj_0", "obj_1"], attribute: "color", value: "red" }, { objects: [2, "#1"], attribute: "size", value: "small" }],
      relate: [{ object: "obj_2", relation: "left" }, { object: 0, relation: "right" }],
    };
    for (const tool of listing) {
      for (const args of [...argCombos(tool), ...more[tool.name]]) {
        const outcome = tool.execute!(scene, args);
        const ids = tool.executeIds!(scene, args);
        const label = `${tool.name} ${JSON.stringify(args)}`;
        if (!outcome.ok) {
          expect(ids, label).toEqual(outcome);
          continue;
        }
        const expected = (outcome.value as unknown[]).map((item) => parseObjectId(typeof item === "object" && item !== null ? (item as { id: unknown }).id : item));
        expect(ids, label).toEqual({ ok: true, ids: expected });
        expect(tool.executeIds!(scene, args, { validated: true }), label).toEqual({ ok: true, ids: expected });
        if (expected.length) listed++;
      }
    }
    expect(listed).toBeGreaterThanOrEqual(15);
  });
});
