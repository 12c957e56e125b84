import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { questionJsonSchema } from "@/lib/schemas/generation";
import { traceJsonSchema } from "@/lib/schemas/trace";

// Every field of the published record schemas says what it means (is `answer` the ground truth or
// the teacher's? what does `scene` refer to?): a property without a `description` fails here, in
// the zod source (lib/schemas/trace.ts, lib/schemas/generation.ts) and in the files under docs/.

/** JSON paths of properties that have no description, anywhere in the schema. */
function undescribed(schema: unknown, at = "$"): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => undescribed(item, `${at}[${i}]`));
  if (typeof schema !== "object" || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const missing: string[] = [];
  if (node.properties && typeof node.properties === "object") {
    for (const [name, property] of Object.entries(node.properties as Record<string, unknown>)) {
      const description = (property as { description?: unknown }).description;
      if (typeof description !== "string" || description.trim().length < 10) missing.push(`${at}.${name}`);
      missing.push(...undescribed(property, `${at}.${name}`));
    }
  }
  for (const key of ["items", "anyOf", "oneOf", "allOf", "additionalProperties", "$defs", "definitions"]) {
    if (key in node) missing.push(...undescribed(node[key], `${at}<${key}>`));
  }
  return missing;
}

describe("record schemas describe every field", () => {
  it("stepwise.trace/v1: every property, the steps' included", () => {
    expect(undescribed(traceJsonSchema())).toEqual([]);
    expect(undescribed(JSON.parse(fs.readFileSync("docs/stepwise.trace.v1.schema.json", "utf8")))).toEqual([]);
    const steps = JSON.stringify((traceJsonSchema() as { properties: { steps: unknown } }).properties.steps);
    for (const field of ['"call"', '"output"', '"tool"', '"args"']) expect(steps).toContain(field);
  });

  it("stepwise.question/v1", () => {
    expect(undescribed(questionJsonSchema())).toEqual([]);
    expect(undescribed(JSON.parse(fs.readFileSync("docs/stepwise.question.v1.schema.json", "utf8")))).toEqual([]);
  });

  it("answer says it is the ground truth, scene what it refers to", () => {
    const properties = (traceJsonSchema() as { properties: Record<string, { description: string }> }).properties;
    expect(properties.answer.description).toMatch(/ground-truth answer.*not the teacher's/);
    expect(properties.scene.description).toMatch(/scene .*ground truth/);
  });

  it("the check itself finds an undescribed field, nested ones too", () => {
    expect(undescribed({ properties: { a: { type: "string" }, b: { description: "a described field", properties: { c: { type: "number" } } } } })).toEqual(["$.a", "$.b.c"]);
    expect(undescribed({ anyOf: [{ properties: { d: {} } }] })).toEqual(["$<anyOf>[0].d"]);
  });
});
