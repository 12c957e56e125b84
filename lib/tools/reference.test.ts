import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TOOL_EXAMPLES, toolReference, toolReferenceMarkdown } from "@/lib/tools/reference";
import { TOOLS, getTool } from "@/lib/tools/registry";

const DOC = path.resolve("docs/tools.md");

describe("tool reference", () => {
  it("covers every registered tool with its arguments, and every example is accepted by its tool", () => {
    const reference = toolReference();
    expect(reference.map((r) => r.name)).toEqual(TOOLS.map((t) => t.name));
    const filter = reference.find((r) => r.name === "filter")!;
    expect(filter.params.map((p) => [p.name, p.required])).toEqual([["objects", true], ["attribute", true], ["value", true]]);
    expect(filter.params[1].values).toEqual(["color", "size", "shape", "material"]);
    expect(reference.find((r) => r.name === "detect")!.params[0]).toMatchObject({ name: "query", required: false, type: "string" });
    for (const [name, args] of Object.entries(TOOL_EXAMPLES)) expect(getTool(name)!.args.safeParse(args).success, name).toBe(true);
    for (const tool of TOOLS.filter((t) => t.family === "spatial")) expect(TOOL_EXAMPLES[tool.name], `${tool.name} has an example`).toBeDefined();
    for (const r of reference) expect(() => JSON.parse(r.result)).not.toThrow();
  });

  it("docs/tools.md is the generated reference", () => {
    const markdown = toolReferenceMarkdown();
    if (process.env.UPDATE_DOCS === "1") fs.writeFileSync(DOC, markdown);
    expect(fs.readFileSync(DOC, "utf8")).toBe(markdown);
    expect(markdown).toContain("### `check_relation`");
  });
});
