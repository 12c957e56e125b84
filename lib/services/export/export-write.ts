import fs from "node:fs";
import { isHttpUrl } from "@/lib/formats/untrusted";
import { once } from "node:events";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { ShapeCollector, writeParquetShard, type ShardShapes } from "@/lib/formats/export/parquet";
import { exportFormat } from "@/lib/formats/export/registry";
import { stringifyRow, type ExportUnit } from "@/lib/formats/export/rows";
import { ShardWriter, sha256File } from "@/lib/formats/export/shards";
import type { ExportImage, ExportStep, ExportTrace, StepKind } from "@/lib/formats/export/types";
import { SPLITS, type ExportClass, type ExportFileEntry } from "@/lib/schemas/exports";
import { checkAbort, groupBy, imageOf, parseJson, yieldToEventLoop, type Context, type ProgressHandler } from "@/lib/services/export/export-context";
import { unpackLabels } from "@/lib/services/export/export-plan";
import type { UnitRow } from "@/lib/services/export/export-source";

// Pass 3 of an export (see export-build.ts): the units in pages, their traces with full steps,
// rows built and streamed into shards; optional Parquet twins; the image checksum list.

const WRITE_PAGE = 500;

/** Pass 3: traces with their full steps, labels and tags as pass 1 resolved them. */
async function contentPage(ctx: Context, traceIds: number[]): Promise<Map<number, Omit<ExportTrace, "split" | "relationClass">>> {
  const steps = groupBy(await ctx.source.steps(traceIds, true), (s) => s.traceId);
  const planned = new Map((await ctx.source.candidates(traceIds)).map((c) => [c.traceId, c]));
  const traces = new Map<number, Omit<ExportTrace, "split" | "relationClass">>();
  for (const row of await ctx.source.traces(traceIds)) {
    const c = planned.get(row.id)!;
    const stepRows = steps.get(row.id) ?? [];
    const labels = unpackLabels(c.labels, stepRows.length);
    traces.set(row.id, {
      id: row.id,
      externalId: row.externalId,
      dataset: ctx.datasets.get(row.datasetId)!,
      question: row.question,
      answer: row.answer,
      method: row.method,
      teacherModel: row.teacherModel,
      image: imageOf(row),
      steps: stepRows.map((s, i) => ({
        id: s.id,
        index: s.index,
        kind: s.kind as StepKind,
        revision: s.revision,
        text: s.text ?? null,
        tool: s.tool ?? null,
        callId: s.callId ?? null,
        args: (parseJson(s.args) as Record<string, unknown> | undefined) ?? null,
        argsJson: s.args ?? null,
        resultJson: s.result ?? null,
        label: labels[i],
      })),
      judgment: { value: c.judgment === null ? null : c.judgment === 1 ? "good" : "bad", source: c.judgmentSource },
      quality: c.quality,
      valid: c.valid === null ? null : c.valid === 1,
      verifierVersion: ctx.versionOf.get(row.datasetId) ?? null,
      relations: JSON.parse(c.relations) as string[],
    });
  }
  return traces;
}

/** The trace as the teacher first wrote it: edited steps back at revision 0, labelled afresh. */
function originalOf(ctx: Context, trace: ExportTrace, originals: Map<number, { text: string | null; args: string | null; result: string | null }>): ExportTrace {
  return {
    ...trace,
    steps: trace.steps.map((s) => {
      const o = originals.get(s.id);
      if (!o) return s;
      return {
        ...s,
        text: o.text,
        args: (parseJson(o.args) as Record<string, unknown> | undefined) ?? null,
        argsJson: o.args,
        resultJson: o.result,
        // the original of an edited step is what the human corrected: wrong by their edit
        label: { value: "bad", source: "human", human: "bad", humanSource: "human", verifier: s.label.verifier },
      } satisfies ExportStep;
    }),
    judgment: { value: "bad", source: "human" },
  };
}

interface ImageOutput {
  images: string[];
  imageUrl: string | null;
}

/** An http(s) URL, or a relative path inside the dataset (no scheme, no absolute path, no `..`). */
export function safeImageReference(value: string): boolean {
  if (isHttpUrl(value)) return true;
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex
  if (!trimmed || trimmed !== value || /[\u0000-\u001f]/.test(value)) return false;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith("/") || value.startsWith("\\")) return false;
  return !value.split(/[\\/]/).includes("..");
}

function imageExt(image: ExportImage): string {
  const fromFile = image.file ? path.extname(image.file).slice(1) : "";
  return fromFile || (image.mime?.split("/")[1] ?? "bin");
}

function placeImage(ctx: Context, staging: string, image: ExportImage | null, copied: { n: number }): ImageOutput {
  const mode = ctx.config.images;
  if (!image || mode === "none") return { images: [], imageUrl: null };
  if (mode === "reference") {
    // only an http(s) URL or a relative file name leaves the machine: never file:, javascript:,
    // data:, an absolute path or ../ (rows imported before these were refused may hold them)
    const ref = [image.url, image.name].find((candidate): candidate is string => typeof candidate === "string" && safeImageReference(candidate));
    return ref ? { images: [ref], imageUrl: ref } : { images: [], imageUrl: null };
  }
  // pass 1 kept the trace because a stored file or a URL exists; prefer the file
  if (!image.file || !image.sha256 || !fs.existsSync(image.file)) {
    return image.url && isHttpUrl(image.url) ? { images: [image.url], imageUrl: image.url } : { images: [], imageUrl: null };
  }
  if (mode === "embed") {
    const data = fs.readFileSync(image.file).toString("base64");
    return { images: [], imageUrl: `data:${image.mime ?? "application/octet-stream"};base64,${data}` };
  }
  const relative = `images/${image.sha256.slice(0, 2)}/${image.sha256}.${imageExt(image)}`;
  const target = path.join(staging, relative);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(image.file, target);
    fs.chmodSync(target, 0o644);
    copied.n++;
  }
  const base = ctx.config.imageBaseUrl;
  return { images: [relative], imageUrl: base ? `${base.replace(/\/?$/, "/")}${relative}` : relative };
}

export async function write(ctx: Context, staging: string, totalRows: number, onProgress: ProgressHandler, signal?: AbortSignal, shapes?: ShapeCollector): Promise<ExportFileEntry[]> {
  const { config, source } = ctx;
  const format = exportFormat(config.format);
  const build = format.build;
  // Units come in trace-id order (dense id ranges read fastest); each split has its own writers,
  // so every split's files still hold their rows in trace-id order.
  const writers = SPLITS.map((split) => ({
    data: new ShardWriter(staging, "data", split, config.shardRows),
    meta: format.needs.sidecar ? new ShardWriter(staging, "meta", split, config.shardRows) : null,
  }));
  let written = 0;
  let after = 0;
  const copied = { n: 0 };
  try {
    for (;;) {
      checkAbort(signal);
      const page = await source.unitPage(after, WRITE_PAGE);
      if (page.length === 0) break;
      // multi-turn: a conversation's further units are written inside its leader's row
      const units = page.filter((u) => u.leader === null);
      const turns = new Map<number, UnitRow[]>();
      for (const t of await source.turnsOf(config.turns === "multi" ? units.map((u) => u.ord) : [])) {
        const list = turns.get(t.leader!);
        if (list) list.push(t);
        else turns.set(t.leader!, [t]);
      }
      const members = [...turns.values()].flat();
      const ids = [...new Set([...units, ...members].flatMap((u) => (u.otherId !== null ? [u.traceId, u.otherId] : [u.traceId])))].sort((a, b) => a - b);
      const loaded = await contentPage(ctx, ids);
      const editedStepIds = units.filter((u) => u.pair === "edit").flatMap((u) => loaded.get(u.traceId)!.steps.filter((s) => s.revision > 0).map((s) => s.id));
      const originals = new Map((await source.originals(editedStepIds)).map((o) => [o.stepId, o]));
      for (const unit of units) {
        const writer = writers[unit.split];
        const split = SPLITS[unit.split];
        const trace: ExportTrace = { ...loaded.get(unit.traceId)!, split, relationClass: unit.cls as ExportClass };
        const exportUnit: ExportUnit = { trace };
        if (unit.pair === "edit") {
          exportUnit.rejected = originalOf(ctx, trace, originals);
          exportUnit.pair = "edit";
        } else if (unit.otherId !== null) {
          exportUnit.rejected = { ...loaded.get(unit.otherId)!, split, relationClass: unit.cls as ExportClass };
          exportUnit.pair = "group";
        }
        const more = turns.get(unit.ord);
        if (more) exportUnit.turns = more.map((t) => ({ ...loaded.get(t.traceId)!, split: SPLITS[t.split], relationClass: t.cls as ExportClass }));
        const placed = placeImage(ctx, staging, trace.image, copied);
        const built = build(exportUnit, { config, images: placed.images, imageUrl: placed.imageUrl });
        for (const row of built.rows) {
          shapes?.add(row as Record<string, unknown>);
          await writer.data.write(stringifyRow(row));
        }
        for (const meta of built.sidecar ?? []) await writer.meta!.write(JSON.stringify(meta));
        written += built.rows.length;
      }
      after = page[page.length - 1].ord;
      onProgress(0.35 + 0.6 * (totalRows ? Math.min(1, written / totalRows) : 1), `Writing rows: ${written.toLocaleString("en-US")} of ${totalRows.toLocaleString("en-US")}`);
      await yieldToEventLoop();
    }
    const files: ExportFileEntry[] = [];
    for (const writer of writers) files.push(...(await writer.data.close()));
    for (const writer of writers) if (writer.meta) files.push(...(await writer.meta.close()));
    if (written !== totalRows) throw new AppError("internal", `export wrote ${written} rows but planned ${totalRows}`);
    return files;
  } catch (error) {
    for (const writer of writers) {
      writer.data.destroy();
      writer.meta?.destroy();
    }
    throw error;
  }
}

/** Parquet copies of the data shards (not of the meta/ sidecars). */
export async function writeParquet(staging: string, jsonl: ExportFileEntry[], shapes: ShardShapes, totalRows: number, onProgress: ProgressHandler, signal?: AbortSignal): Promise<ExportFileEntry[]> {
  const data = jsonl.filter((f) => f.path.startsWith("data/"));
  const out: ExportFileEntry[] = [];
  let done = 0;
  for (const file of data) {
    checkAbort(signal);
    const relative = file.path.replace(/\.jsonl$/, ".parquet");
    const target = path.join(staging, relative);
    await writeParquetShard(path.join(staging, file.path), target, shapes, () => {
      if (++done % 2000 === 0) onProgress(0.7 + 0.25 * (done / Math.max(1, totalRows)), `Writing Parquet: ${done.toLocaleString("en-US")} of ${totalRows.toLocaleString("en-US")}`);
    });
    const { sha256, bytes } = await sha256File(target);
    out.push({ path: relative, rows: file.rows, bytes, sha256 });
    await yieldToEventLoop();
  }
  return out;
}

/**
 * images.sha256 (`sha256sum -c` format) for the copied images, so the manifest's hashes cover every
 * file. Image files are content-addressed — their name is the sha256 of their bytes, computed when
 * they were imported — so the lines come from a sorted walk of images/, one directory at a time.
 */
export async function writeImageChecksums(staging: string): Promise<ExportFileEntry | null> {
  const dir = path.join(staging, "images");
  if (!fs.existsSync(dir)) return null;
  const file = path.join(staging, "images.sha256");
  const out = fs.createWriteStream(file);
  let rows = 0;
  for (const prefix of fs.readdirSync(dir).sort()) {
    const lines = fs.readdirSync(path.join(dir, prefix)).sort().map((name) => `${name.split(".")[0]}  images/${prefix}/${name}\n`);
    rows += lines.length;
    if (!out.write(lines.join(""))) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return { path: "images.sha256", rows, ...(await sha256File(file)) };
}
