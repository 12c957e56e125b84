import { z } from "zod";
import { TOOLS, type ToolDefinition } from "@/lib/tools/registry";

// The tool reference (docs/tools.md and the app's /docs/tools), generated from the registry so it
// cannot drift: each tool's description, its arguments from the args schema (type, required,
// allowed values), the JSON Schema of its result, and an example call. Examples are checked
// against the args schema by reference.test.ts.

export interface ToolParam {
  name: string;
  type: string;
  required: boolean;
  values: string[] | null;
}

export interface ToolReferenceEntry {
  name: string;
  family: string;
  description: string;
  params: ToolParam[];
  /** JSON Schema of the result (compact JSON). */
  result: string;
  example: Record<string, unknown> | null;
}

/** Example arguments for the spatial tools (object ids as the tools print them). */
export const TOOL_EXAMPLES: Record<string, Record<string, unknown>> = {
  detect: { query: "large red cylinder" },
  get_attributes: { object: "obj_3" },
  filter: { objects: ["obj_0", "obj_3", "obj_5"], attribute: "color", value: "red" },
  relate: { object: "obj_3", relation: "left" },
  check_relation: { subject: "obj_1", relation: "behind", object: "obj_3" },
  count: { objects: ["obj_0", "obj_4"] },
  compare: { a: "obj_1", b: "obj_2", attribute: "size" },
  distance: { a: "obj_1", b: "obj_2" },
};

type Schema = { type?: string | string[]; enum?: unknown[]; anyOf?: Schema[]; items?: Schema; pattern?: string; properties?: Record<string, Schema>; required?: string[] };

function typeOf(schema: Schema): string {
  if (schema.enum) return "string (one of the values)";
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(" or ");
  if (schema.type === "array") return `list of ${schema.items ? typeOf(schema.items) : "values"}`;
  if (schema.pattern === "^(obj_|#)?\\d+$") return "object id";
  if (schema.type === "integer" && !schema.pattern) return "integer";
  return Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
}

function paramsOf(tool: ToolDefinition): ToolParam[] {
  const schema = z.toJSONSchema(tool.args) as Schema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeOf(p).replace("string or integer", "object id"),
    required: required.has(name),
    values: p.enum ? p.enum.map(String) : null,
  }));
}

function resultOf(tool: ToolDefinition): string {
  try {
    const { $schema: _schema, ...rest } = z.toJSONSchema(tool.result, { unrepresentable: "any" }) as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return "{}";
  }
}

export function toolReference(): ToolReferenceEntry[] {
  return TOOLS.map((tool) => ({
    name: tool.name,
    family: tool.family,
    description: tool.description,
    params: paramsOf(tool),
    result: resultOf(tool),
    example: TOOL_EXAMPLES[tool.name] ?? null,
  }));
}

const FAMILY_INTRO: Record<string, string> = {
  spatial: "The spatial tool vocabulary v1 (docs/design.md §3): what scripted and imported teacher traces call; the verifier re-executes each call on the scene.",
  visprog: "VisProg's modules, as imported from VisProg traces: their results come from neural modules and are not re-executed here.",
};

/** docs/tools.md: the same reference as Markdown (regenerate: UPDATE_DOCS=1 npx vitest run lib/tools/reference.test.ts). */
export function toolReferenceMarkdown(): string {
  const entries = toolReference();
  const families = [...new Set(entries.map((e) => e.family))];
  const lines = [
    "# Tool reference",
    "",
    "<!-- generated from lib/tools/registry.ts by lib/tools/reference.ts; do not edit by hand -->",
    "",
    "Every tool a trace may call: its arguments (what the `args.schema` rule checks), its result and an example. The same page is at `/docs/tools` in the app; exports carry these schemas in their `tools` column.",
    "",
  ];
  for (const family of families) {
    lines.push(`## ${family}`, "", FAMILY_INTRO[family] ?? "", "");
    for (const e of entries.filter((x) => x.family === family)) {
      lines.push(`### \`${e.name}\``, "", e.description, "");
      if (e.params.length) {
        lines.push("| argument | type | required | values |", "|---|---|---|---|");
        for (const p of e.params) lines.push(`| \`${p.name}\` | ${p.type} | ${p.required ? "yes" : "no"} | ${p.values ? p.values.map((v) => `\`${v}\``).join(", ") : ""} |`);
        lines.push("");
      } else lines.push("No arguments.", "");
      lines.push("Result (JSON Schema):", "", "```json", e.result, "```", "");
      if (e.example) lines.push("Example call:", "", "```json", JSON.stringify({ name: e.name, arguments: e.example }), "```", "");
    }
  }
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
