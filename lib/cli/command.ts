import type { ParseArgsConfig } from "node:util";
import { AppError } from "@/lib/errors";
import type { MethodMetrics } from "@/lib/verifier/metrics";

// A CLI command is a thin boundary: parse options, call one service, return a plain result.
// main.ts prints the result as JSON (--json) or through `render`, and maps errors to exit codes.

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  /** Progress and notes for humans: stderr, never stdout. */
  progress: (message: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  positionals?: boolean;
  /** false for commands that must work without a migrated database (doctor). */
  needsDatabase?: boolean;
  run: (context: CommandContext) => Promise<unknown>;
  render?: (result: never) => string;
  /** Exit code for a result that was printed (default 0): e.g. 1 when some work items failed. */
  exitCode?: (result: never) => number;
}

export const defineCommand = <R>(command: Omit<Command, "run" | "render" | "exitCode"> & { run: (context: CommandContext) => Promise<R>; render?: (result: R) => string; exitCode?: (result: R) => number }): Command =>
  command as unknown as Command;

/** 0.123 → "12.3%" (null stays null: the table prints —). */
export const percent = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`);

/** The papers' per-method figures (SpatialTraceGen Table 1) as a text table. */
export function methodTable(rows: ReadonlyArray<MethodMetrics>): string {
  return table(
    ["method", "traces", "avg quality", "variance", "valid", "completeness", "tool-call acc."],
    rows.map((m) => [m.method, m.traces, m.avgQuality.toFixed(3), m.qualityVariance.toFixed(4), percent(m.validRatio), percent(m.stepCompleteness), percent(m.toolCallAccuracy)]),
  );
}

/** Plain fixed-width table for human output. */
export function table(headers: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? "—" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")).join("\n");
}

/** A positive whole number option (`--name N`), or undefined when not given. */
export function wholeFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < 1) throw new AppError("invalid_input", `--${name} must be a whole number ≥ 1 (got "${raw}")`);
  return n;
}
