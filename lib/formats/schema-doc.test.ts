import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalTrace, traceJsonSchema } from "@/lib/schemas/trace";

describe("the published stepwise.trace/v1 JSON Schema", () => {
  it("docs/stepwise.trace.v1.schema.json is the schema the importer enforces (regenerate it when this fails)", () => {
    // npx tsx -e 'import { traceJsonSchema } from "./lib/schemas/trace"; …' — see docs/formats.md
    expect(JSON.parse(fs.readFileSync("docs/stepwise.trace.v1.schema.json", "utf8"))).toEqual(traceJsonSchema());
  });

  it("accepts the sample traces", () => {
    for (const line of fs.readFileSync("fixtures/canonical/clevr-781-two-traces.jsonl", "utf8").split("\n").filter(Boolean)) {
      expect(canonicalTrace.safeParse(JSON.parse(line)).success).toBe(true);
    }
  });
});
