import fs from "node:fs";
import path from "node:path";
import { db, writeTransaction } from "@/lib/db";
import { get, insert, readProgram, run, runAsync, runSync, sql, sqlDialect, SqliteSql, transaction, writeProgram, type Program, type Sql } from "@/lib/db/sql";
import { env } from "@/lib/env";
import { AppError, type ErrorDetail } from "@/lib/errors";
import { needsImageSize, toPixelBox } from "@/lib/formats/boxes";
import { detectFormat, formatExpectation, readItems, type FormatName } from "@/lib/formats/read";
import { fileHead, type ReadProgress } from "@/lib/formats/source";
import type { ImportRecord, ReadItem } from "@/lib/formats/types";
import { contentHash } from "@/lib/formats/hash";
import type { ImportedFileDto, ImportHistoryItem, ImportSummaryDto, SkippedLineDto } from "@/lib/schemas/imports";
import { readImageInfo, removeUnreferencedImages, storeImageFile } from "@/lib/services/import/image-store";
import { removeImportRows } from "@/lib/services/import/import-rollback";
import { emptyCounts, RecordWriter, type Conflict, type ResolvedImage } from "@/lib/services/import/import-writer";
import { aliasInlineImages, resolveInlineImage } from "@/lib/services/import/inline-images";
import { imageReferenceProblem, traceJsonProblems } from "@/lib/formats/untrusted";
import { crashPoint } from "@/lib/jobs/crash-point";
import { markActive, markInactive, ownerStamp } from "@/lib/jobs/owner";
import { StepLabelCheck } from "@/lib/services/import/step-label-check";
import { SceneCheck, sceneWarning } from "@/lib/services/import/scene-check";
import { verifyImported } from "@/lib/services/import/verify-on-import";

/** How often a running import refreshes its heartbeat (a synchronous write pass may skip beats). */
const HEARTBEAT_MS = 5_000;

// An import runs in two passes over the input files, so memory stays bounded by what is kept
// between them (trace ids + content hashes, image names, errors), not by the input size:
//   pass 1 streams every file, validates every record and resolves image files (async, yielding
//          to the event loop, reporting progress);
//   pass 2 streams the files again and writes the valid records in short chunks, each one
//          transaction with the event loop free between them — on SQLite a synchronous one on the
//          shared connection (statement programs run by runSync), on PostgreSQL one pooled client
//          with the big tables sent in bulk at the chunk's end (import-bulk.ts); all-or-nothing by
//          ownership (every row carries the import's id and a failure removes them, see `write`).
// Re-importing the same content is a no-op counted as duplicates. A trace id that already holds
// other content is a conflict (an error, or skipped with skipInvalid).

// What an import reports is exactly what the API sends (lib/schemas/imports.ts).
export type SkippedLine = SkippedLineDto;
export type ImportedFile = ImportedFileDto;
export type ImportSummary = ImportSummaryDto;

export interface ImportProgress {
  phase: "validate" | "write" | "verify" | "done";
  file: string;
  fileIndex: number;
  files: number;
  /** bytes of all files read so far in this phase, of `totalBytes` */
  bytes: number;
  totalBytes: number;
  records: number;
}

export interface ImportFilesOptions {
  files: string[];
  dataset: string;
  /** A directory or URL prefix that image names resolve against (several: `images`). */
  imagesDir?: string;
  images?: string[];
  format?: FormatName;
  dryRun?: boolean;
  skipInvalid?: boolean;
  /** Detector name for boxes whose input does not name one (detector:<name>). */
  detector?: string;
  /** Names to report instead of the file paths (uploads are stored under temporary names). */
  displayNames?: string[];
  source?: "cli" | "api" | "upload" | "seed" | "test";
  /** The licence of these files (normalised, e.g. cc-by-4.0) and who to credit: kept with the import and set on the dataset. */
  license?: string;
  attribution?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** How warnings name where images were looked for (uploads live in a temporary folder). */
  imagesLabel?: string;
  /** The upload's temporary folder (relative to the data dir), recorded so recovery can remove it. */
  uploadDir?: string;
  /**
   * Verify on import: after new traces are committed, a verifier run over the dataset with the newest
   * config (lib/services/import/verify-on-import.ts). The CLI, the API and the import page turn it on
   * by default; off here so programmatic callers (the seed, tests) decide.
   */
  verify?: boolean;
  /** Called once the import's `running` history row exists, with its id (background uploads answer 202 with it). */
  onStarted?: (importId: number) => void;
}

export type SourcedRecord = ImportRecord & { file: string };

/** How an undetectable file's error says to name the format, per caller (no CLI flags in the browser). */
const CHOOSE_FORMAT: Record<NonNullable<ImportFilesOptions["source"]>, string> = {
  cli: "name one with --format",
  seed: "name one with --format",
  test: "name one with --format",
  api: "name one in the format field",
  upload: "choose one in the Format menu",
};

/** Detailed errors and warnings kept per import; beyond these only the counts grow. */
const MAX_LISTED = 10_000;

const MAX_MISSING_LISTED = 20;

/** Files whose records others depend on go first, whatever the order given. */
const FORMAT_ORDER: Record<string, number> = { "clevr-scenes": 0, coco: 1, "coco-results": 2, "clevr-masks": 3, boxes: 4, "clevr-questions": 5, "step-labels": 10 };

interface Source {
  name: string;
  format: string;
  /** Ordering key when it differs from the format (COCO results after COCO ground truth). */
  order?: string;
  bytes: number;
  items: (options: { trusted: boolean; progress: ReadProgress; skip?: (unit: string) => boolean }) => Iterable<ReadItem>;
  /** What a record of the format looks like: a file in which none is recognised is an error saying so. */
  expects?: string;
}

const unitOf = (item: { line: number; unit?: string }): string => item.unit ?? String(item.line);

export async function importFiles(options: ImportFilesOptions): Promise<ImportSummary> {
  const started = Date.now();
  const names = options.files.map((file, i) => options.displayNames?.[i] ?? file);
  const missing = options.files.findIndex((file) => !fs.existsSync(file) || !fs.statSync(file).isFile());
  if (missing >= 0) throw new AppError("invalid_input", `${names[missing]}: no such file`, [{ file: names[missing], error: "no such file" }]);
  let sources: Source[];
  try {
    sources = options.files.map((file, i) => {
      const format = options.format ?? detectFormat(file, names[i], CHOOSE_FORMAT[options.source ?? "cli"]);
      return {
        name: names[i],
        format,
        order: format === "coco" && fileHead(file, 256).toString("utf8").trimStart().startsWith("[") ? "coco-results" : format,
        bytes: fs.statSync(file).size,
        items: ({ trusted, progress, skip }) => readItems(file, format, { trusted, progress, detector: options.detector, skip }),
        expects: formatExpectation(format),
      };
    });
  } catch (error) {
    await recordFailure(options, names.map((n) => ({ file: n, format: "unknown", bytes: 0 })), error, started);
    throw error;
  }
  const imageBases = options.images ?? (options.imagesDir ? [options.imagesDir] : [...new Set(options.files.flatMap((f) => [path.dirname(f), path.join(path.dirname(f), "images")]))]);
  return runImport(sources, { ...options, imageBases, started });
}

export interface ImportRecordsOptions {
  dataset: string;
  records: SourcedRecord[];
  imagesDirs: string[];
  dryRun?: boolean;
  skipInvalid?: boolean;
  license?: string;
  attribution?: string;
}

/** Records already in memory (the demo seed builds traces from programs): same checks and writer. */
export async function importRecords(options: ImportRecordsOptions): Promise<ImportSummary> {
  const byFile = new Map<string, SourcedRecord[]>();
  for (const record of options.records) byFile.set(record.file, [...(byFile.get(record.file) ?? []), record]);
  const sources: Source[] = [...byFile].map(([file, records]) => ({ name: file, format: "records", bytes: 0, items: () => records }));
  return runImport(sources, { dataset: options.dataset, dryRun: options.dryRun, skipInvalid: options.skipInvalid, imageBases: options.imagesDirs, source: "seed", started: Date.now(), license: options.license, attribution: options.attribution });
}

interface RunOptions {
  dataset: string;
  uploadDir?: string;
  imageBases: string[];
  imagesLabel?: string;
  dryRun?: boolean;
  skipInvalid?: boolean;
  source?: ImportFilesOptions["source"];
  onProgress?: ImportFilesOptions["onProgress"];
  onStarted?: ImportFilesOptions["onStarted"];
  verify?: boolean;
  started: number;
  license?: string;
  attribution?: string;
}

class DryRunRollback extends Error {}

async function runImport(unordered: Source[], options: RunOptions): Promise<ImportSummary> {
  const dataset = options.dataset.trim();
  const sources = [...unordered].sort((a, b) => (FORMAT_ORDER[a.order ?? a.format] ?? 9) - (FORMAT_ORDER[b.order ?? b.format] ?? 9));
  const files: ImportedFile[] = sources.map((s) => ({ file: s.name, format: s.format, bytes: s.bytes }));
  // image files this import put in the store (copied files, and inline images as pass 1 meets them)
  const copied: string[] = [];
  // the history row exists from the start, `running` and owned by this process: a crash leaves a
  // row that recovery (lib/recovery) marks failed, with the upload folder and stored files it swept
  const importId = await retryWhenBusy(() => writeProgram(() => startHistory({ ...options, dataset }, files)));
  const activeKey = `import:${importId}`;
  markActive(activeKey);
  const heartbeat = setInterval(() => {
    void writeProgram(() => run(`UPDATE "Import" SET "heartbeatAt" = ? WHERE "id" = ? AND "status" = 'running'`, new Date().toISOString(), importId)).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const running = { ...options, importId };
  options.onStarted?.(importId);
  try {
    if (!dataset) throw new AppError("invalid_input", "dataset name is empty", [{ path: "dataset", error: "expected a non-empty dataset name" }]);
    const scan = await validate(sources, dataset, running, copied);
    crashPoint("import:validated");
    // a file in which nothing was recognised is the wrong file (or format), never an empty success
    if (scan.unrecognised.length) throw invalidInput(scan.unrecognised, scan.unrecognised.length);
    if (scan.errorCount && !options.skipInvalid) throw invalidInput(scan.errors, scan.errorCount);
    // skipping every record would leave an empty dataset (or an empty success): an error instead
    if (scan.errorCount && scan.valid === 0) throw nothingValid(scan);
    if (!options.dryRun) copied.push(...storeImages(scan.images));
    crashPoint("import:images-stored");
    await aliasInlineImages(scan.images, dataset);
    const result = await write(sources, dataset, scan, running, files);
    if (scan.unverifiable) result.unverifiable = scan.unverifiable;
    if (options.verify && !result.dryRun && result.created.traces > 0) {
      result.verification = await verifyImported(dataset, (done, total) =>
        options.onProgress?.({ phase: "verify", file: "", fileIndex: sources.length, files: sources.length, bytes: done, totalBytes: total, records: done }),
      );
    }
    options.onProgress?.({ phase: "done", file: "", fileIndex: sources.length, files: sources.length, bytes: scan.totalBytes, totalBytes: scan.totalBytes, records: scan.records });
    return result;
  } catch (error) {
    if (!(error instanceof DryRunRollback)) await recordFailure({ ...options, dataset, importId }, files, error, options.started);
    throw error;
  } finally {
    clearInterval(heartbeat);
    markInactive(activeKey);
    // files this import copied in that no row references go: every one when it failed (all-or-nothing
    // covers the image store too), else those no row took (a name the dataset holds with other bytes)
    if (copied.length) await removeUnreferencedImages(copied, referencedImagePaths).catch(() => 0);
  }
}

async function referencedImagePaths(paths: string[]): Promise<Set<string>> {
  const rows = await db().image.findMany({ where: { path: { in: paths } }, select: { path: true } });
  return new Set(rows.map((r) => r.path!));
}

interface Scan {
  errors: SkippedLine[];
  /** Files from which no record (and no error) came. */
  unrecognised: SkippedLine[];
  errorCount: number;
  warnings: string[];
  warningCount: number;
  badUnits: Array<Set<string>>;
  duplicateUnits: Array<Set<string>>;
  duplicates: number;
  traces: Map<string, { hash: string; file: string; line: number; steps: number }>;
  images: Map<string, ResolvedSource>;
  cocoImages: Map<number, string>;
  records: number;
  /** Records no problem was found in (so far as the check pass knows): none with skipInvalid is an error. */
  valid: number;
  /** Traces no scene can be found for (the verifier's scene rules would skip them). */
  unverifiable: number;
  totalBytes: number;
}

async function validate(sources: Source[], dataset: string, options: RunOptions, copied: string[]): Promise<Scan> {
  const scan: Scan = {
    errors: [], unrecognised: [], errorCount: 0, warnings: [], warningCount: 0,
    badUnits: sources.map(() => new Set()), duplicateUnits: sources.map(() => new Set()), duplicates: 0,
    traces: new Map(), images: new Map(), cocoImages: new Map(), records: 0, valid: 0, unverifiable: 0,
    totalBytes: sources.reduce((sum, s) => sum + s.bytes, 0),
  };
  const sceneImages = new Map<number, string>();
  const missingImages = new Set<string>();
  let knownIndices: Map<number, string> | null = null;
  let labelCheck: StepLabelCheck | null = null;
  const sceneCheck = new SceneCheck();
  let doneBytes = 0;
  let lastYield = performance.now();

  const fail = (i: number, file: string, line: number, unit: string, pathText: string, error: string) => {
    scan.badUnits[i].add(unit);
    scan.errorCount++;
    if (scan.errors.length < MAX_LISTED) scan.errors.push({ file, line, path: pathText, error });
  };
  const warn = (message: string) => {
    scan.warningCount++;
    if (scan.warnings.length < MAX_LISTED) scan.warnings.push(message);
  };
  const resolve = (name: string, file: string, line: number, i: number, unit: string): ResolvedSource => {
    let image = scan.images.get(name);
    // only http(s) URLs or file names: javascript:, file:, protocol-relative… are errors (docs/limits.md)
    const refused = imageReferenceProblem(name);
    if (refused) {
      fail(i, file, line, unit, "$.image", refused);
      if (!image) scan.images.set(name, (image = { stored: null, url: null, width: null, height: null, file: null, problem: refused }));
      return image;
    }
    if (!image) {
      image = resolveImage(name, options.imageBases);
      scan.images.set(name, image);
      if (!image.url && !image.file) {
        missingImages.add(name);
        // one warning per missing image up to a point, then a single count: 100k lines of
        // "not found" would bury every other message
        if (missingImages.size <= MAX_MISSING_LISTED) warn(`${file}:${line}: image "${name}" ${image.problem ?? `not found in ${options.imagesLabel ?? options.imageBases.join(", ")}`}; imported without the file (shown as a placeholder)`);
      }
    }
    return image;
  };

  for (let i = 0; i < sources.length; i++) {
    const source = sources[i];
    const progress: ReadProgress = { bytes: 0 };
    let count = 0;
    const errorsBefore = scan.errorCount;
    for (const item of source.items({ trusted: false, progress })) {
      const unit = unitOf(item);
      if (item.type === "error") {
        fail(i, source.name, item.line, unit, item.path, item.error);
        continue;
      }
      if (item.type === "warning") {
        warn(`${source.name}:${item.line}: ${item.message}`);
        continue;
      }
      scan.records++;
      switch (item.type) {
        case "trace": {
          const trace = item.value;
          for (const problem of traceJsonProblems(trace)) fail(i, source.name, item.line, unit, problem.path, problem.error);
          if (trace.image) resolve(trace.image, source.name, item.line, i, unit);
          sceneCheck.trace(trace.scene, trace.image);
          const hash = contentHash(trace.raw);
          const first = scan.traces.get(trace.externalId);
          if (!first) scan.traces.set(trace.externalId, { hash, file: source.name, line: item.line, steps: trace.steps.length });
          else if (first.hash === hash) {
            scan.duplicateUnits[i].add(unit);
            scan.duplicates++;
          } else fail(i, source.name, item.line, unit, "$.id", `duplicate trace id "${trace.externalId}" (also at ${first.file}:${first.line} with different content)`);
          break;
        }
        case "scene":
          resolve(item.value.image, source.name, item.line, i, unit);
          sceneCheck.scene(item.value.name, item.value.image);
          if (typeof item.value.info?.image_index === "number") sceneImages.set(item.value.info.image_index, item.value.image);
          break;
        case "question":
          resolve(item.value.image, source.name, item.line, i, unit);
          break;
        case "image": {
          const data = item.value.data;
          if (data && !scan.images.has(item.value.name)) scan.images.set(item.value.name, resolveInlineImage({ ...item.value, data }, { store: !options.dryRun, created: copied }));
          const image = resolve(item.value.name, source.name, item.line, i, unit);
          if (typeof item.value.cocoId === "number") scan.cocoImages.set(item.value.cocoId, item.value.name);
          if (!image.width && item.value.width && item.value.height) {
            image.width = item.value.width;
            image.height = item.value.height;
          }
          if (!image.url && !image.file && item.value.url) {
            const refused = imageReferenceProblem(item.value.url);
            if (refused) fail(i, source.name, item.line, unit, "$.url", refused);
            else image.url = item.value.url;
          }
          break;
        }
        case "label": {
          labelCheck ??= await StepLabelCheck.open(await sql(), dataset);
          const problem = await labelCheck.problem(item.value, (id) => scan.traces.get(id));
          if (problem) fail(i, source.name, item.line, unit, problem[0], problem[1]);
          break;
        }
        case "box": {
          const box = item.value;
          let name = box.image;
          if (!name && box.imageIndex !== null && box.imageIndex !== undefined) {
            name = sceneImages.get(box.imageIndex) ?? null;
            if (!name) {
              knownIndices ??= await sceneIndexImages(dataset);
              name = knownIndices.get(box.imageIndex) ?? null;
            }
            if (!name) {
              fail(i, source.name, item.line, unit, "$.image_idxs", `image index ${box.imageIndex} matches no scene's image_index in dataset "${dataset}" (import the scenes file first, or in the same import)`);
              break;
            }
          }
          if (!name && box.cocoImageId !== null && box.cocoImageId !== undefined) {
            name = scan.cocoImages.get(box.cocoImageId) ?? null;
            if (!name) {
              fail(i, source.name, item.line, unit, `${unit.startsWith("[") ? "$" : "$."}${unit}.image_id`, `image_id ${box.cocoImageId} is not defined by a COCO ground-truth file in this import (import the results together with the annotations file)`);
              break;
            }
          }
          const image = name ? resolve(name, source.name, item.line, i, unit) : null;
          if (name && box.label) sceneCheck.labelledBox(name);
          if (box.convention && needsImageSize(box.convention)) {
            const converted = toPixelBox(box.box, box.convention, image?.width && image.height ? { width: image.width, height: image.height } : null);
            if (!converted.ok) fail(i, source.name, item.line, unit, "$.box", converted.error);
          }
          break;
        }
      }
      if (!scan.badUnits[i].has(unit)) scan.valid++;
      if (++count % 256 === 0 && performance.now() - lastYield > 16) {
        options.onProgress?.({ phase: "validate", file: source.name, fileIndex: i, files: sources.length, bytes: doneBytes + progress.bytes, totalBytes: scan.totalBytes, records: scan.records });
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    if (count === 0 && scan.errorCount === errorsBefore && source.expects) {
      scan.unrecognised.push({ file: source.name, line: 1, path: "$", error: `no record recognised as ${source.format} (expected ${source.expects})` });
    }
    doneBytes += source.bytes;
    options.onProgress?.({ phase: "validate", file: source.name, fileIndex: i, files: sources.length, bytes: doneBytes, totalBytes: scan.totalBytes, records: scan.records });
  }
  const scenes = sceneCheck.traces ? await readProgram(sceneCheck.resolve(dataset)) : { unverifiable: 0, missing: [] };
  if (scenes.unverifiable) {
    // first among the warnings: every scene rule skipping silently is the worst surprise of an import
    scan.unverifiable = scenes.unverifiable;
    scan.warningCount++;
    scan.warnings.unshift(sceneWarning(scenes.unverifiable, sceneCheck.traces, scenes.missing));
  }
  if (missingImages.size > MAX_MISSING_LISTED) warn(`${missingImages.size - MAX_MISSING_LISTED} more images were not found either; imported without their files`);
  if (scan.errorCount > scan.errors.length) warn(`${scan.errorCount - scan.errors.length} more invalid records are not listed`);
  return scan;
}

/** A write chunk ends after STEPWISE_IMPORT_CHUNK records (1,000) or this long, whichever comes first (docs/limits.md). */
const CHUNK_MS = 40;
/**
 * On PostgreSQL the event loop is free while a chunk waits for the server, and the rows go in bulk
 * at the chunk's end: short time slices would only multiply round trips, so the bound is longer.
 */
const PG_CHUNK_MS = 250;

/** Records of pass 2 in order, without the units pass 1 refused or found duplicated. */
function* writeItems(sources: Source[], scan: Scan): Generator<{ source: number; item: Exclude<ReadItem, { type: "error" | "warning" }> }> {
  for (let i = 0; i < sources.length; i++) {
    const bad = scan.badUnits[i];
    const duplicate = scan.duplicateUnits[i];
    const skip = bad.size || duplicate.size ? (unit: string) => bad.has(unit) || duplicate.has(unit) : undefined;
    for (const item of sources[i].items({ trusted: true, progress: { bytes: 0 }, skip })) {
      if (item.type === "error" || item.type === "warning") continue;
      if (skip?.(unitOf(item))) continue;
      yield { source: i, item };
    }
  }
}

/**
 * Pass 2, staged (docs/design.md §8): the records go in chunks of at most STEPWISE_IMPORT_CHUNK records
 * or CHUNK_MS of work, each its own short write transaction on the shared connection, with the
 * event loop free between chunks — so requests are answered while a 60k-trace import writes.
 * All-or-nothing is kept by ownership: every row created carries `importId`, changes to older
 * rows and the `done` history row wait for the last chunk, and a failure (a conflict found late,
 * a disk error) removes the import's rows in bounded batches (import-rollback.ts) before the
 * failure is recorded; a killed process leaves a `running` row whose rows lib/recovery removes
 * the same way. A dry run still writes in one transaction that is rolled back.
 */
async function write(sources: Source[], dataset: string, scan: Scan, options: RunOptions & { importId: number }, files: ImportedFile[]): Promise<ImportSummary> {
  options.onProgress?.({ phase: "write", file: "", fileIndex: 0, files: sources.length, bytes: 0, totalBytes: scan.totalBytes, records: scan.records });
  const conflicts: SkippedLine[] = [];
  let summary: ImportSummary | null = null;
  const items = writeItems(sources, scan);
  let writer: RecordWriter | null = null;
  let written = 0;
  let finished = false;
  const chunkRecords = env().STEPWISE_IMPORT_CHUNK;
  // one chunk as a statement program: run synchronously on SQLite, awaited on PostgreSQL
  function* chunk(target: Sql): Program<void> {
    if (!writer) {
      writer = new RecordWriter(target, dataset, scan.images, scan.cocoImages, options.dryRun ? null : options.importId, { bulk: true });
      yield* writer.opening();
    }
    const w: RecordWriter = writer;
    const started = performance.now();
    const chunkMs = target.dialect === "postgres" ? PG_CHUNK_MS : CHUNK_MS;
    for (let n = 1; ; n++) {
      const next = items.next();
      if (next.done) {
        finished = true;
        break;
      }
      const { source, item } = next.value;
      const conflict: Conflict | null = yield* w.record(item, item.type === "trace" ? scan.traces.get(item.value.externalId)?.hash : undefined, sources[source].name);
      if (conflict) conflicts.push({ file: sources[source].name, ...conflict });
      written++;
      if (!options.dryRun && (n >= chunkRecords || (n % 32 === 0 && performance.now() - started > chunkMs))) {
        yield* w.flush();
        return;
      }
      // a dry run is one transaction (rolled back): its buffered rows still go chunk by chunk, memory stays bounded
      if (options.dryRun && n % chunkRecords === 0) yield* w.flush();
    }
    yield* w.finishing();
    if (conflicts.length && !options.skipInvalid) throw invalidInput(conflicts, conflicts.length);
    const skipped = [...scan.errors, ...conflicts].slice(0, MAX_LISTED);
    summary = {
      dataset,
      created: w.counts,
      duplicates: w.duplicates + scan.duplicates,
      skipped,
      warnings: [...scan.warnings, ...w.warnings].slice(0, MAX_LISTED),
      dryRun: Boolean(options.dryRun),
      files,
      importId: null,
    };
    if (options.dryRun) throw new DryRunRollback();
    crashPoint("import:commit");
    summary.importId = yield* insertHistory({ ...options, dataset }, files, "done", summary, null, w.datasetId, skippedRecords(scan) + conflicts.length, options.importId);
    if (options.license || options.attribution) {
      // the newest declaration wins on the dataset; every import keeps its own
      yield* run(`UPDATE "Dataset" SET "license" = COALESCE(?, "license"), "attribution" = COALESCE(?, "attribution") WHERE "id" = ?`, options.license ?? null, options.attribution ?? null, w.datasetId);
    }
  }
  const postgres = sqlDialect() === "postgres";
  try {
    while (!finished) {
      // a writer waiting for SQLite's lock goes first (an import thread's chunks would starve it;
      // writeTransaction's gate, lib/db.ts); on this thread only, a moment for the event loop
      // a busy database is retried only before a chunk started reading records (never replayed)
      let began = false;
      await retryWhenBusy(
        () =>
          postgres
            ? transaction(async (tx) => {
                began = true;
                await runAsync(chunk(tx), tx);
                // a chunk before the last commits without waiting for its WAL flush: the last
                // chunk's commit (with the `done` row) flushes every earlier record, and a server
                // crash before it leaves a `running` import that recovery removes anyway
                if (!finished) await tx.run("SET LOCAL synchronous_commit = off");
              })
            : writeTransaction((handle) => {
                began = true;
                runSync(chunk(new SqliteSql(handle)), handle);
              }),
        () => !began,
      );
      if (finished) break;
      crashPoint("import:chunk");
      options.onProgress?.({ phase: "write", file: "", fileIndex: 0, files: sources.length, bytes: 0, totalBytes: scan.totalBytes, records: written });
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    items.return(undefined);
    if (error instanceof DryRunRollback) {
      const dry = summary as unknown as ImportSummary;
      dry.importId = await retryWhenBusy(() => writeProgram(() => insertHistory({ ...options, dataset }, files, "done", dry, null, null, skippedRecords(scan), options.importId)));
      return dry;
    }
    // chunks already committed: remove them before the failure is recorded (nothing half-written)
    if (!options.dryRun) await removeImportRows(options.importId);
    throw (writer as RecordWriter | null)?.explain(error) ?? error;
  }
  return summary as unknown as ImportSummary;
}

/** Records (units) skipped for their problems: a record with three bad fields counts once. */
function skippedRecords(scan: Scan): number {
  return scan.badUnits.reduce((sum, units) => sum + units.size, 0);
}

/** SQLite's busy write lock; PostgreSQL's serialization failure and deadlock. */
const RETRIED = new Set(["SQLITE_BUSY", "40001", "40P01"]);

/** Another process holding the write lock past busy_timeout (or a PostgreSQL deadlock): wait and try again. */
async function retryWhenBusy<T>(work: () => Promise<T>, retryable: () => boolean = () => true, deadline = Date.now() + 5 * 60_000): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!RETRIED.has((error as { code?: string }).code ?? "") || !retryable() || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}

function nothingValid(scan: Scan): AppError {
  const records = skippedRecords(scan);
  const first = scan.errors[0];
  const details: ErrorDetail[] = scan.errors.map((s) => ({ file: s.file, line: s.line, path: s.path, error: s.error }));
  return new AppError("invalid_input", `nothing valid to import: all ${records} ${records === 1 ? "record was" : "records were"} invalid (first: ${first.file}:${first.line} ${first.path}: ${first.error}); nothing was imported`, details);
}

function invalidInput(skipped: SkippedLine[], total: number): AppError {
  const details: ErrorDetail[] = skipped.map((s) => ({ file: s.file, line: s.line, path: s.path, error: s.error }));
  const first = skipped[0];
  const more = total > 1 ? ` (and ${total - 1} more)` : "";
  return new AppError("invalid_input", `${first.file}:${first.line} ${first.path}: ${first.error}${more}; nothing was imported`, details);
}

interface ResolvedSource extends ResolvedImage {
  file: string | null;
  problem?: string;
  /** Inline images (agent logs' data: URIs): the content hash, for aliasing. */
  sha256?: string;
}

const URL_PATTERN = /^(https?:)?\/\//i;

/** A name → a file inside one of the bases (never outside it), or a URL. Reads only the header. */
function resolveImage(name: string, bases: string[]): ResolvedSource {
  if (URL_PATTERN.test(name)) return { stored: null, url: name, width: null, height: null, file: null };
  for (const base of bases) {
    if (URL_PATTERN.test(base)) return { stored: null, url: new URL(name, base.endsWith("/") ? base : `${base}/`).toString(), width: null, height: null, file: null };
    const root = path.resolve(base);
    const candidate = path.resolve(root, name);
    if (path.relative(root, candidate).startsWith("..") || path.isAbsolute(path.relative(root, candidate))) {
      return { stored: null, url: null, width: null, height: null, file: null, problem: "names a path outside the images directory" };
    }
    if (!fs.existsSync(candidate) || !fs.statSync(candidate).isFile()) continue;
    const info = readImageInfo(candidate);
    if (!info) return { stored: null, url: null, width: null, height: null, file: null, problem: `(${candidate}) is not a PNG, JPEG, GIF or WebP image` };
    return { stored: null, url: null, width: info.width, height: info.height, file: candidate };
  }
  return { stored: null, url: null, width: null, height: null, file: null };
}

/** Copies the found image files into the data dir (content-addressed) before the write pass; returns the files it created. */
function storeImages(images: Map<string, ResolvedSource>): string[] {
  const created: string[] = [];
  for (const image of images.values()) {
    if (!image.file || image.stored) continue;
    image.stored = storeImageFile(image.file);
    if (image.stored.created) created.push(image.stored.path);
  }
  return created;
}

async function sceneIndexImages(dataset: string): Promise<Map<number, string>> {
  const rows = await db().scene.findMany({ where: { dataset: { name: dataset } }, select: { name: true, info: true } });
  const map = new Map<number, string>();
  for (const row of rows) {
    const index = (row.info as { image_index?: unknown } | null)?.image_index;
    if (typeof index === "number") map.set(index, row.name);
  }
  return map;
}

/** The `running` history row an import writes before its first pass, owned by this process. */
function* startHistory(options: RunOptions & { dataset: string }, files: ImportedFile[]): Program<number> {
  const owner = ownerStamp();
  return yield* insert(
    `INSERT INTO "Import" ("datasetName", "files", "format", "source", "dryRun", "status", "ownerPid", "ownerHost", "heartbeatAt", "uploadDir")
     VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
    options.dataset,
    JSON.stringify(files),
    [...new Set(files.map((f) => f.format))].join(","),
    options.source ?? null,
    Boolean(options.dryRun),
    owner.ownerPid,
    owner.ownerHost,
    owner.heartbeatAt.toISOString(),
    options.uploadDir ?? null,
  );
}

/** Writes the outcome: into the import's own `running` row (`id`), or as a new row when there is none. */
function* insertHistory(
  options: RunOptions & { dataset: string },
  files: ImportedFile[],
  status: "done" | "failed",
  summary: Pick<ImportSummary, "created" | "duplicates" | "skipped" | "warnings">,
  error: string | null,
  datasetId: number | null,
  skippedCount: number,
  id?: number,
): Program<number> {
  const columns = `"datasetId" = ?, "datasetName" = ?, "files" = ?, "format" = ?, "source" = ?, "dryRun" = ?, "status" = ?, "created" = ?, "duplicates" = ?, "skipped" = ?, "skippedCount" = ?, "warnings" = ?, "error" = ?, "durationMs" = ?, "license" = ?, "attribution" = ?, "finishedAt" = CURRENT_TIMESTAMP`;
  const text =
    id !== undefined
      ? `UPDATE "Import" SET ${columns} WHERE "id" = ?`
      : `INSERT INTO "Import" ("datasetId", "datasetName", "files", "format", "source", "dryRun", "status", "created", "duplicates", "skipped", "skippedCount", "warnings", "error", "durationMs", "license", "attribution", "finishedAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)`;
  const params = [
    datasetId,
    options.dataset,
    JSON.stringify(files),
    [...new Set(files.map((f) => f.format))].join(","),
    options.source ?? null,
    Boolean(options.dryRun),
    status,
    JSON.stringify(summary.created),
    summary.duplicates,
    JSON.stringify(summary.skipped.slice(0, 1000)),
    skippedCount,
    JSON.stringify(summary.warnings.slice(0, 1000)),
    error,
    Date.now() - options.started,
    options.license ?? null,
    options.attribution ?? null,
    ...(id !== undefined ? [id] : []),
  ];
  if (id !== undefined) {
    yield* run(text, ...params);
    return id;
  }
  return yield* insert(text, ...params);
}

/** Failed imports are history too; writing that row must never hide the import's own error. */
async function recordFailure(options: Pick<RunOptions, "dataset" | "dryRun" | "source"> & { started?: number; importId?: number }, files: ImportedFile[], error: unknown, started: number): Promise<void> {
  try {
    const details = error instanceof AppError ? error.details : [];
    const skipped = details.map((d) => ({ file: d.file ?? "", line: d.line ?? 0, path: d.path ?? "$", error: d.error }));
    const message = error instanceof Error ? error.message : String(error);
    await retryWhenBusy(() =>
      writeProgram(function* () {
        const dataset = yield* get<{ id: number }>(`SELECT "id" FROM "Dataset" WHERE "name" = ?`, options.dataset.trim());
        return yield* insertHistory({ ...options, dataset: options.dataset.trim(), imageBases: [], started }, files, "failed", { created: emptyCounts(), duplicates: 0, skipped, warnings: [] }, message, dataset?.id ?? null, skipped.length, options.importId);
      }),
    );
  } catch {
    // the history row is best effort
  }
}

/** The history row of an upload whose client went away before its body ended (nothing was imported). */
export async function recordAbandonedUpload(dataset: string, files: ImportedFile[], message: string): Promise<void> {
  const started = Date.now();
  await recordFailure({ dataset: dataset.trim() || "(no dataset field received)", source: "api" }, files, new AppError("invalid_input", message), started);
}

/** The latest imports, newest first (the history on /import and GET /api/imports). */
export async function listImports(options: { limit?: number } = {}): Promise<ImportHistoryItem[]> {
  const rows = await db().import.findMany({ orderBy: { id: "desc" }, take: Math.min(options.limit ?? 50, 500) });
  return rows.map(historyItem);
}

/** One history row by id (null when there is none): what GET /api/imports/:id/status reports for an import this process is not running. */
export async function getImportHistory(id: number): Promise<ImportHistoryItem | null> {
  const row = await db().import.findUnique({ where: { id } });
  return row ? historyItem(row) : null;
}

function historyItem(row: NonNullable<Awaited<ReturnType<ReturnType<typeof db>["import"]["findUnique"]>>>): ImportHistoryItem {
  return {
    id: row.id,
    dataset: row.datasetName,
    files: (row.files as unknown as ImportedFileDto[] | null) ?? [],
    source: row.source,
    dryRun: row.dryRun,
    status: row.status,
    created: (row.created as ImportHistoryItem["created"]) ?? null,
    duplicates: row.duplicates,
    skippedCount: row.skippedCount,
    warnings: Array.isArray(row.warnings) ? row.warnings.length : 0,
    error: row.error,
    durationMs: row.durationMs,
    createdAt: row.createdAt.toISOString(),
  };
}
