import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decimalInt, idParams } from "@/lib/schemas/ids";
import { boundedJson, checkFreeJson, FREE_JSON_LIMITS, jsonShapeProblem, LIMITS } from "@/lib/schemas/limits";
import { stepEditBody, stepLabelBody, undoBody } from "@/lib/schemas/reviews";
import { createBoxBody, labelBoxBody } from "@/lib/schemas/boxes";

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

describe("free-form JSON limits", () => {
  it("depth: 32 levels pass, 33 do not, 100,000 do not overflow the stack", () => {
    expect(jsonShapeProblem(nested(LIMITS.freeJsonDepth))).toBeNull();
    expect(jsonShapeProblem(nested(LIMITS.freeJsonDepth + 1))).toMatch(/nested deeper than the limit of 32 levels/);
    expect(jsonShapeProblem(nested(100_000))).toMatch(/32 levels/);
  });

  it("size: counted as serialised JSON, stopping at the limit", () => {
    const fits = { s: "x".repeat(FREE_JSON_LIMITS.maxBytes - 20) };
    expect(JSON.stringify(fits).length).toBeLessThanOrEqual(FREE_JSON_LIMITS.maxBytes);
    expect(jsonShapeProblem(fits)).toBeNull();
    expect(jsonShapeProblem({ s: "x".repeat(FREE_JSON_LIMITS.maxBytes) })).toMatch(/larger than the limit of 64 KB/);
    // many small keys count too, and multi-byte characters count as their UTF-8 length
    expect(jsonShapeProblem(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])))).toMatch(/64 KB/);
    expect(jsonShapeProblem({ s: "✓".repeat(30_000) })).toMatch(/64 KB/);
  });

  it("non-finite numbers and non-JSON values are named with their path", () => {
    expect(checkFreeJson("args", { a: [0, Number.NaN] })).toBe("args holds a non-finite number (NaN) at $.a[1]; only finite numbers are allowed");
    expect(checkFreeJson("meta", { "odd key": -Infinity })).toContain('$["odd key"]');
    expect(checkFreeJson("args", { f: () => 1 })).toContain("function");
  });

  it("boundedJson puts the message on the field", () => {
    const schema = z.object({ args: boundedJson(z.record(z.string(), z.unknown())) });
    const result = schema.safeParse({ args: { deep: nested(40) } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ path: ["args"], message: expect.stringContaining("32 levels") });
  });
});

describe("strict request schemas and canonical ids", () => {
  it("ids are canonical decimal integers: 0x10, 016, 1e1, ' 16' and 16.0 are refused", () => {
    expect(idParams.parse({ id: "16" })).toEqual({ id: 16 });
    for (const bad of ["0x10", "016", "1e1", " 16", "16 ", "+16", "16.0", "", "0", "-3", "9007199254740993", "Infinity"]) {
      expect(idParams.safeParse({ id: bad }).success, bad).toBe(false);
    }
    expect(decimalInt.safeParse("0x10").error?.issues[0].message).toBe('expected a decimal integer such as 16, got "0x10"');
  });

  it("mutation bodies refuse unknown keys (the undo body no longer ignores them)", () => {
    expect(undoBody.safeParse({ user: "ann", everyone: true }).success).toBe(false);
    expect(stepLabelBody.safeParse({ label: "accept", expectedVersion: 1, extra: 1 }).success).toBe(false);
    expect(stepEditBody.safeParse({ expectedVersion: 1, text: "t", stepId: 4 }).success).toBe(false);
    expect(createBoxBody.safeParse({ x: 0, y: 0, w: 1, h: 1, colour: "red" }).success).toBe(false);
    expect(labelBoxBody.safeParse({ expectedVersion: 1, category: "book", id: 3 }).success).toBe(false);
    expect(labelBoxBody.safeParse({ expectedVersion: 1, category: "book", user: "x".repeat(LIMITS.userName + 1) }).success).toBe(false);
  });

  it("user names are capped; edit args are bounded", () => {
    expect(createBoxBody.safeParse({ x: 0, y: 0, w: 1, h: 1, user: "u".repeat(LIMITS.userName + 1) }).error?.issues[0]).toMatchObject({ path: ["user"], message: "at most 100 characters" });
    const edit = stepEditBody.safeParse({ expectedVersion: 1, args: { a: "x".repeat(70_000) } });
    expect(edit.error?.issues[0]).toMatchObject({ path: ["args"], message: expect.stringContaining("64 KB") });
  });
});

describe("the teacher runner bounds a model's arguments", () => {
  it("executeCall answers an error naming the limit instead of running the tool", async () => {
    const { executeCall } = await import("@/lib/teacher/runner/loop");
    let deep: unknown = "x";
    for (let i = 0; i < 40; i++) deep = { k: deep };
    const result = executeCall({ objects: [] } as never, { name: "count", args: { object: deep } } as never);
    expect(result).toEqual({ error: expect.stringContaining("arguments is nested deeper than the limit of 32 levels") });
  });
});
