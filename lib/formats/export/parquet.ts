import { parquetWriteRows } from "hyparquet-writer";
import { fileWriter } from "hyparquet-writer/src/node.js";
import type { SchemaElement } from "hyparquet";
import { readLines } from "@/lib/formats/lines";

// Parquet copies of the JSONL shards, with real nested columns (a `messages` column loads as a
// list of structs, as TRL expects), written by hyparquet-writer. Its own schema inference stores
// nested values as JSON strings, so the schema is inferred here the way Arrow infers JSON: every
// row is folded into one shape as the JSONL is written (ShapeCollector; struct fields are the
// union of the keys seen, in first-seen order; ints widen to doubles; nulls make nothing
// required). Values whose shapes conflict (a string in one row, an object in another) keep their
// JSON text in a string column. Then each JSONL shard is read back and converted row by row into
// bounded row groups: memory stays flat.

export type Shape =
  | { kind: "null" }
  | { kind: "bool" }
  | { kind: "int" }
  | { kind: "double" }
  | { kind: "string" }
  | { kind: "json" }
  | { kind: "list"; item: Shape }
  | { kind: "struct"; fields: Map<string, Shape> };

const NULL: Shape = { kind: "null" };
const INT32 = 2 ** 31;

export function shapeOf(value: unknown): Shape {
  if (value === null || value === undefined) return NULL;
  if (typeof value === "boolean") return { kind: "bool" };
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) < INT32 ? { kind: "int" } : { kind: "double" };
  if (typeof value === "string") return { kind: "string" };
  if (Array.isArray(value)) return { kind: "list", item: value.reduce<Shape>((shape, item) => mergeShapes(shape, shapeOf(item)), NULL) };
  const fields = new Map<string, Shape>();
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) fields.set(key, shapeOf(child));
  return { kind: "struct", fields };
}

export function mergeShapes(a: Shape, b: Shape): Shape {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if (a.kind === "json" || b.kind === "json") return { kind: "json" };
  if (a.kind === b.kind) {
    if (a.kind === "list") return { kind: "list", item: mergeShapes(a.item, (b as typeof a).item) };
    if (a.kind === "struct") {
      const fields = new Map(a.fields);
      for (const [key, shape] of (b as typeof a).fields) fields.set(key, mergeShapes(fields.get(key) ?? NULL, shape));
      return { kind: "struct", fields };
    }
    return a;
  }
  if ((a.kind === "int" && b.kind === "double") || (a.kind === "double" && b.kind === "int")) return { kind: "double" };
  return { kind: "json" };
}

const JSON_SHAPE: Shape = { kind: "json" };

/**
 * Folds one value into a shape, mutating it in place (the common case — a row shaped like the
 * rows before — allocates nothing). Same result as mergeShapes(shape, shapeOf(value)).
 */
export function absorb(shape: Shape, value: unknown): Shape {
  if (value === null || value === undefined || shape.kind === "json") return shape;
  if (shape.kind === "null") return shapeOf(value);
  switch (typeof value) {
    case "boolean":
      return shape.kind === "bool" ? shape : JSON_SHAPE;
    case "number": {
      const int = Number.isInteger(value) && Math.abs(value) < INT32;
      if (shape.kind === "double") return shape;
      if (shape.kind === "int") return int ? shape : { kind: "double" };
      return JSON_SHAPE;
    }
    case "string":
      return shape.kind === "string" ? shape : JSON_SHAPE;
  }
  if (Array.isArray(value)) {
    if (shape.kind !== "list") return JSON_SHAPE;
    for (const item of value) shape.item = absorb(shape.item, item);
    return shape;
  }
  if (shape.kind !== "struct") return JSON_SHAPE;
  for (const key in value as Record<string, unknown>) {
    const current = shape.fields.get(key);
    const next = absorb(current ?? NULL, (value as Record<string, unknown>)[key]);
    if (next !== current) shape.fields.set(key, next);
  }
  return shape;
}

/** Collects the merged shape of every top-level column from rows as they are written. */
export class ShapeCollector {
  private readonly columns = new Map<string, Shape>();

  add(row: Record<string, unknown>): void {
    for (const key in row) {
      const current = this.columns.get(key);
      const next = absorb(current ?? NULL, row[key]);
      if (next !== current) this.columns.set(key, next);
    }
  }

  shapes(): ShardShapes {
    return { columns: [...this.columns.entries()] };
  }
}

/** Parquet schema (3-level LISTs, every field OPTIONAL) for top-level columns of the given shapes. */
export function parquetSchema(columns: Array<[string, Shape]>): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: columns.length }];
  const visit = (name: string, shape: Shape) => {
    switch (shape.kind) {
      case "bool":
        out.push({ name, type: "BOOLEAN", repetition_type: "OPTIONAL" });
        return;
      case "int":
        out.push({ name, type: "INT32", repetition_type: "OPTIONAL" });
        return;
      case "double":
        out.push({ name, type: "DOUBLE", repetition_type: "OPTIONAL" });
        return;
      case "list":
        out.push({ name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 });
        out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
        visit("element", shape.item);
        return;
      case "struct":
        if (shape.fields.size === 0) {
          // an always-empty object (e.g. no arguments): keep it as JSON text rather than an empty group
          out.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
          return;
        }
        out.push({ name, repetition_type: "OPTIONAL", num_children: shape.fields.size });
        for (const [field, child] of shape.fields) visit(field, child);
        return;
      default:
        out.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
    }
  };
  for (const [name, shape] of columns) visit(name, shape);
  return out;
}

/** A JSON value in the shape of the schema: missing fields null, conflicting values as JSON text. */
export function toShape(value: unknown, shape: Shape): unknown {
  if (value === null || value === undefined) return null;
  switch (shape.kind) {
    case "json":
      return JSON.stringify(value);
    case "list":
      return (value as unknown[]).map((item) => toShape(item, shape.item));
    case "struct": {
      if (shape.fields.size === 0) return JSON.stringify(value);
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [field, child] of shape.fields) out[field] = toShape(record[field], child);
      return out;
    }
    case "null":
      return null;
    default:
      return value;
  }
}

export interface ShardShapes {
  columns: Array<[string, Shape]>;
}

async function* jsonLines(file: string): AsyncGenerator<Record<string, unknown>> {
  for await (const line of readLines(file)) {
    if ("error" in line) throw new Error(`${file}:${line.line}: ${line.error}`);
    if (line.text) yield JSON.parse(line.text) as Record<string, unknown>;
  }
}

const ROW_GROUP = 5_000;

/** Pass 2: one JSONL shard → one Parquet file with the shared schema. */
export async function writeParquetShard(jsonl: string, parquet: string, shapes: ShardShapes, onRow?: () => void): Promise<void> {
  const schema = parquetSchema(shapes.columns);
  async function* rows(): AsyncGenerator<Record<string, unknown>> {
    for await (const row of jsonLines(jsonl)) {
      const out: Record<string, unknown> = {};
      for (const [name, shape] of shapes.columns) out[name] = toShape(row[name], shape);
      onRow?.();
      yield out;
    }
  }
  // parquetWriteRows finishes (flushes and closes) the file writer itself
  await parquetWriteRows({ writer: fileWriter(parquet), rows: rows(), columns: shapes.columns.map(([name]) => ({ name })), schema, rowGroupSize: ROW_GROUP, createdBy: "stepwise" });
}
