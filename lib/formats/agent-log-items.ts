import { detectFormat, readItems, type FormatName } from "@/lib/formats/read";
import type { NormalizedImage, NormalizedTrace, ReadItem } from "@/lib/formats/types";

// For the agent-log readers' tests: every item a file gives, sorted by kind.

export interface ReadAll {
  format: FormatName;
  traces: NormalizedTrace[];
  images: NormalizedImage[];
  errors: Array<{ line: number; path: string; error: string; unit?: string }>;
  warnings: Array<{ line: number; message: string }>;
  items: ReadItem[];
}

export function readAll(file: string, format?: FormatName, options: { trusted?: boolean } = {}): ReadAll {
  const chosen = format ?? detectFormat(file);
  const items = [...readItems(file, chosen, { trusted: options.trusted })];
  const out: ReadAll = { format: chosen, traces: [], images: [], errors: [], warnings: [], items };
  for (const item of items) {
    if (item.type === "trace") out.traces.push(item.value);
    else if (item.type === "image") out.images.push(item.value);
    else if (item.type === "error") out.errors.push({ line: item.line, path: item.path, error: item.error, ...(item.unit ? { unit: item.unit } : {}) });
    else if (item.type === "warning") out.warnings.push({ line: item.line, message: item.message });
  }
  return out;
}

/** Steps in a compact form for assertions. */
export function stepShapes(trace: NormalizedTrace): unknown[] {
  return trace.steps.map((s) => {
    if (s.kind === "tool_call") return { call: s.tool, args: s.args };
    if (s.kind === "tool_result") return { result: s.result };
    return { [s.kind]: s.text };
  });
}
