import { describe, expect, it } from "vitest";
import { absorb, mergeShapes, parquetSchema, shapeOf, ShapeCollector, toShape, type Shape } from "@/lib/formats/export/parquet";

const values: unknown[] = [
  { role: "user", content: [{ type: "image" }, { type: "text", text: "q" }] },
  { role: "assistant", tool_calls: [{ type: "function", function: { name: "relate", arguments: { object: "obj_1", relation: "left" } } }] },
  { role: "tool", name: "relate", content: [{ type: "text", text: "[]" }], extra: null },
  { role: "assistant", tool_calls: [{ type: "function", function: { name: "count", arguments: { objects: ["obj_1"] } } }], n: 1 },
  { role: "assistant", n: 2.5 },
];

describe("parquet schema inference", () => {
  it("merges like Arrow's JSON inference: union structs, int→double, conflicts to JSON text", () => {
    expect(mergeShapes(shapeOf(1), shapeOf(2.5))).toEqual({ kind: "double" });
    expect(mergeShapes(shapeOf("a"), shapeOf({ a: 1 }))).toEqual({ kind: "json" });
    expect(mergeShapes(shapeOf(null), shapeOf(true))).toEqual({ kind: "bool" });
    const merged = values.map(shapeOf).reduce(mergeShapes) as Extract<Shape, { kind: "struct" }>;
    expect([...merged.fields.keys()]).toEqual(["role", "content", "tool_calls", "name", "extra", "n"]);
    const args = ((merged.fields.get("tool_calls") as Extract<Shape, { kind: "list" }>).item as Extract<Shape, { kind: "struct" }>).fields.get("function");
    expect(JSON.stringify(args, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v))).toContain('"arguments":{"kind":"struct","fields":{"object":{"kind":"string"},"relation":{"kind":"string"},"objects":{"kind":"list","item":{"kind":"string"}}}}');
    expect(merged.fields.get("n")).toEqual({ kind: "double" });
  });

  it("absorbing values one by one gives the same shape as merging their shapes", () => {
    const collector = new ShapeCollector();
    for (const v of values) collector.add({ m: v });
    const [[, absorbed]] = collector.shapes().columns;
    expect(absorbed).toEqual(values.map(shapeOf).reduce(mergeShapes));
    expect(absorb(shapeOf([1, 2]), [3.5, "x"])).toEqual({ kind: "list", item: { kind: "json" } });
  });

  it("lays out 3-level LISTs and optional fields, and fills missing fields with nulls", () => {
    const shape = shapeOf({ a: [{ b: 1 }], c: "x" });
    const schema = parquetSchema([["row", shape]]);
    expect(schema.map((s) => `${s.name}:${s.repetition_type ?? ""}:${s.converted_type ?? ""}:${s.type ?? ""}`)).toEqual([
      "root:::", "row:OPTIONAL::", "a:OPTIONAL:LIST:", "list:REPEATED::", "element:OPTIONAL::", "b:OPTIONAL::INT32", "c:OPTIONAL:UTF8:BYTE_ARRAY",
    ]);
    expect(toShape({ a: [{}] }, shape)).toEqual({ a: [{ b: null }], c: null });
    expect(toShape({ x: 1 }, { kind: "json" })).toBe('{"x":1}');
  });
});
