import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { prepare, writeTransaction } from "@/lib/db";
import { AppError, type ErrorDetail } from "@/lib/errors";
import { readRecords, type FormatName } from "@/lib/formats/read";
import type { ImportRecord, NormalizedBox, NormalizedQuestion, NormalizedScene, NormalizedTrace } from "@/lib/formats/types";
import { storeImageFile, type StoredImage } from "@/lib/services/image-store";
import { stepRefs } from "@/lib/tools/refs";
import { deriveBox } from "@/lib/tools/scene";

// Import = read every file into normalized records (nothing written), then write them all in one
// synchronous transaction on the shared connection. All-or-nothing unless skipInvalid; re-importing
// the same content is a no-op counted as duplicates (content hash per trace, name per scene).

export interface SkippedLine {
  file: string;
  line: number;
  path: string;
  error: string;
}

export interface ImportCounts {
  images: number;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  boxes: number;
}

export interface ImportSummary {
  dataset: string;
  created: ImportCounts;
  duplicates: number;
  skipped: SkippedLine[];
  warnings: string[];
  dryRun: boolean;
}

export interface ImportFilesOptions {
  files: string[];
  dataset: string;
  imagesDir?: string;
  format?: FormatName;
  dryRun?: boolean;
  skipInvalid?: boolean;
}

export type SourcedRecord = ImportRecord & { file: string };

const CLEVR_DEFAULT_SIZE = { width: 480, height: 320 };

export async function importFiles(options: ImportFilesOptions): Promise<ImportSummary> {
  const records: SourcedRecord[] = [];
  const skipped: SkippedLine[] = [];
  for (const file of options.files) {
    const read = await readRecords(file, options.format);
    for (const record of read.records) records.push({ ...record, file });
    for (const error of read.errors) skipped.push({ file, ...error });
  }
  if (skipped.length && !options.skipInvalid) throw invalidInput(skipped);
  const imagesDirs = options.imagesDir ? [options.imagesDir] : [...new Set(options.files.flatMap((f) => [path.dirname(f), path.join(path.dirname(f), "images")]))];
  const summary = await importRecords({ dataset: options.dataset, records, imagesDirs, dryRun: options.dryRun });
  return { ...summary, skipped: [...skipped, ...summary.skipped] };
}

function invalidInput(skipped: SkippedLine[]): AppError {
  const details: ErrorDetail[] = skipped.map((s) => ({ file: s.file, line: s.line, path: s.path, error: s.error }));
  const first = skipped[0];
  const more = skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : "";
  return new AppError("invalid_input", `${first.file}:${first.line} ${first.path}: ${first.error}${more}; nothing was imported`, details);
}

class DryRunRollback extends Error {}

export interface ImportRecordsOptions {
  dataset: string;
  records: SourcedRecord[];
  imagesDirs: string[];
  dryRun?: boolean;
}

export async function importRecords(options: ImportRecordsOptions): Promise<ImportSummary> {
  if (!options.dataset.trim()) throw new AppError("invalid_input", "dataset name is empty");
  checkDuplicateIds(options.records);
  const warnings: string[] = [];
  const images = resolveImages(options.records, options.imagesDirs, Boolean(options.dryRun), warnings);
  let result: ImportSummary | null = null;
  try {
    await writeTransaction((handle) => {
      result = new RecordWriter(handle, options.dataset, images, warnings).writeAll(options.records);
      if (options.dryRun) throw new DryRunRollback();
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
  }
  return { ...(result as unknown as ImportSummary), dryRun: Boolean(options.dryRun) };
}

function checkDuplicateIds(records: SourcedRecord[]): void {
  const seen = new Map<string, SourcedRecord & { type: "trace" }>();
  const problems: SkippedLine[] = [];
  for (const record of records) {
    if (record.type !== "trace") continue;
    const first = seen.get(record.value.externalId);
    if (first && first.value.raw !== record.value.raw) {
      problems.push({ file: record.file, line: record.line, path: "$.id", error: `duplicate trace id "${record.value.externalId}" (also at ${first.file}:${first.line} with different content)` });
    } else if (!first) seen.set(record.value.externalId, record);
  }
  if (problems.length) throw invalidInput(problems);
}

interface ResolvedImage {
  stored: StoredImage | null;
  url: string | null;
}

function imageNameOf(record: SourcedRecord): string | null {
  switch (record.type) {
    case "trace":
      return record.value.image ?? null;
    case "scene":
    case "box":
    case "question":
      return record.value.image;
  }
}

function resolveImages(records: SourcedRecord[], dirs: string[], dryRun: boolean, warnings: string[]): Map<string, ResolvedImage> {
  const resolved = new Map<string, ResolvedImage>();
  for (const record of records) {
    const name = imageNameOf(record);
    if (!name || resolved.has(name)) continue;
    if (/^https?:\/\//i.test(name)) {
      resolved.set(name, { stored: null, url: name });
      continue;
    }
    const file = dirs.map((dir) => path.resolve(dir, name)).find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
    if (!file) {
      warnings.push(`${record.file}:${record.line}: image "${name}" not found in ${dirs.join(", ")}; imported without the file (shown as a placeholder)`);
      resolved.set(name, { stored: null, url: null });
      continue;
    }
    resolved.set(name, { stored: dryRun ? null : storeImageFile(file), url: null });
  }
  return resolved;
}

/** Synchronous writer bound to one open transaction. */
class RecordWriter {
  private readonly counts: ImportCounts = { images: 0, scenes: 0, questions: 0, traces: 0, steps: 0, boxes: 0 };
  private duplicates = 0;
  private readonly datasetId: number;
  private readonly imageIds = new Map<string, { id: number; width: number | null }>();
  private readonly sceneIds = new Map<string, number | null>();
  private readonly questionIds = new Map<string, number>();
  private readonly userIds = new Map<string, number>();
  private readonly s: Record<string, Database.Statement>;

  constructor(
    handle: Database.Database,
    private readonly datasetName: string,
    private readonly images: Map<string, ResolvedImage>,
    private readonly warnings: string[],
  ) {
    const p = (sql: string) => prepare(handle, sql);
    this.s = {
      insertDataset: p(`INSERT INTO "Dataset" ("name") VALUES (?) ON CONFLICT ("name") DO NOTHING`),
      selectDataset: p(`SELECT "id" FROM "Dataset" WHERE "name" = ?`),
      selectImage: p(`SELECT "id", "width", "path" FROM "Image" WHERE "datasetId" = ? AND "name" = ?`),
      insertImage: p(`INSERT INTO "Image" ("datasetId", "name", "sha256", "path", "url", "width", "height", "mime") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      fillImage: p(`UPDATE "Image" SET "sha256" = ?, "path" = ?, "width" = ?, "height" = ?, "mime" = ? WHERE "id" = ?`),
      selectScene: p(`SELECT "id" FROM "Scene" WHERE "datasetId" = ? AND "name" = ?`),
      insertScene: p(`INSERT INTO "Scene" ("datasetId", "imageId", "name", "kind", "relationships", "directions", "info") VALUES (?, ?, ?, ?, ?, ?, ?)`),
      insertObject: p(`INSERT INTO "SceneObject" ("sceneId", "index", "color", "size", "shape", "material", "x3d", "y3d", "z3d", "px", "py", "depth", "rotation", "extra") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertBox: p(`INSERT INTO "Box" ("imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      selectBox: p(`SELECT 1 FROM "Box" WHERE "imageId" = ? AND "source" = ? AND "x" = ? AND "y" = ? AND "w" = ? AND "h" = ? LIMIT 1`),
      selectQuestionByExternal: p(`SELECT "id" FROM "Question" WHERE "datasetId" = ? AND "externalId" = ?`),
      selectQuestionByText: p(`SELECT "id" FROM "Question" WHERE "datasetId" = ? AND "imageId" IS ? AND "text" = ? LIMIT 1`),
      insertQuestion: p(`INSERT INTO "Question" ("datasetId", "imageId", "externalId", "text", "answer", "program", "source") VALUES (?, ?, ?, ?, ?, ?, ?)`),
      selectTrace: p(`SELECT "id", "contentHash" FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`),
      insertTrace: p(`INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertStep: p(`INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      selectStepId: p(`SELECT "id" FROM "Step" WHERE "traceId" = ? AND "index" = ?`),
      insertUser: p(`INSERT INTO "User" ("name", "role") VALUES (?, 'external') ON CONFLICT ("name") DO NOTHING`),
      selectUser: p(`SELECT "id" FROM "User" WHERE "name" = ?`),
      insertReview: p(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "provenance") VALUES (?, ?, ?, ?, ?, ?)`),
      setDecision: p(`UPDATE "Trace" SET "decision" = ? WHERE "id" = ?`),
    };
    this.s.insertDataset.run(datasetName);
    this.datasetId = (this.s.selectDataset.get(datasetName) as { id: number }).id;
  }

  writeAll(records: SourcedRecord[]): ImportSummary {
    // scenes before the traces that point at them, whatever the file order
    const order: Record<ImportRecord["type"], number> = { scene: 0, box: 1, question: 2, trace: 3 };
    const sorted = [...records].sort((a, b) => order[a.type] - order[b.type]);
    for (const record of sorted) {
      switch (record.type) {
        case "scene":
          this.writeScene(record.value);
          break;
        case "box":
          this.writeBox(record.value);
          break;
        case "question":
          this.writeQuestion(record.value);
          break;
        case "trace":
          this.writeTrace(record.value, record);
          break;
      }
    }
    return { dataset: this.datasetName, created: this.counts, duplicates: this.duplicates, skipped: [], warnings: this.warnings, dryRun: false };
  }

  private image(name: string | null | undefined, fallbackSize?: { width: number; height: number }): { id: number; width: number | null } | null {
    if (!name) return null;
    const cached = this.imageIds.get(name);
    if (cached) return cached;
    const resolved = this.images.get(name) ?? { stored: null, url: null };
    const stored = resolved.stored;
    const existing = this.s.selectImage.get(this.datasetId, name) as { id: number; width: number | null; path: string | null } | undefined;
    let entry: { id: number; width: number | null };
    if (existing) {
      if (!existing.path && stored) {
        this.s.fillImage.run(stored.sha256, stored.path, stored.width, stored.height, stored.mime, existing.id);
        entry = { id: existing.id, width: stored.width };
      } else entry = { id: existing.id, width: existing.width };
    } else {
      const width = stored?.width ?? fallbackSize?.width ?? null;
      const height = stored?.height ?? fallbackSize?.height ?? null;
      const info = this.s.insertImage.run(this.datasetId, name, stored?.sha256 ?? null, stored?.path ?? null, resolved.url, width, height, stored?.mime ?? null);
      this.counts.images++;
      entry = { id: Number(info.lastInsertRowid), width };
    }
    this.imageIds.set(name, entry);
    return entry;
  }

  private writeScene(scene: NormalizedScene): void {
    if (this.s.selectScene.get(this.datasetId, scene.name)) {
      this.duplicates++;
      return;
    }
    const image = this.image(scene.image, scene.kind === "clevr" ? CLEVR_DEFAULT_SIZE : undefined);
    const info = this.s.insertScene.run(this.datasetId, image?.id ?? null, scene.name, scene.kind, json(scene.relationships), json(scene.directions), json(scene.info));
    const sceneId = Number(info.lastInsertRowid);
    this.sceneIds.set(scene.name, sceneId);
    this.counts.scenes++;
    for (const o of scene.objects) {
      this.s.insertObject.run(sceneId, o.index, o.color ?? null, o.size ?? null, o.shape ?? null, o.material ?? null,
        o.coords3d?.[0] ?? null, o.coords3d?.[1] ?? null, o.coords3d?.[2] ?? null,
        o.pixel?.[0] ?? null, o.pixel?.[1] ?? null, o.pixel?.[2] ?? null, o.rotation ?? null, json(o.extra));
      if (image && o.pixel && o.size && o.shape) {
        const [x, y, w, h] = deriveBox(o.pixel, o.size, o.shape, image.width ?? CLEVR_DEFAULT_SIZE.width);
        this.s.insertBox.run(image.id, "derived", `${o.size} ${o.color} ${o.material} ${o.shape}`, o.index, x, y, w, h, null);
        this.counts.boxes++;
      }
    }
  }

  private writeBox(box: NormalizedBox): void {
    const image = this.image(box.image);
    if (!image) return;
    const [x, y, w, h] = box.box;
    if (this.s.selectBox.get(image.id, box.source, x, y, w, h)) {
      this.duplicates++;
      return;
    }
    this.s.insertBox.run(image.id, box.source, box.label ?? null, box.objectIndex ?? null, x, y, w, h, box.score ?? null);
    this.counts.boxes++;
  }

  private writeQuestion(question: NormalizedQuestion): void {
    if (this.s.selectQuestionByExternal.get(this.datasetId, question.externalId)) {
      this.duplicates++;
      return;
    }
    const image = this.image(question.image);
    const info = this.s.insertQuestion.run(this.datasetId, image?.id ?? null, question.externalId, question.text, question.answer, json(question.program), question.source);
    this.questionIds.set(`${image?.id ?? ""}\u0000${question.text}`, Number(info.lastInsertRowid));
    this.counts.questions++;
  }

  private question(trace: NormalizedTrace, imageId: number | null): number {
    const key = `${imageId ?? ""}\u0000${trace.question}`;
    const cached = this.questionIds.get(key);
    if (cached) return cached;
    const existing = this.s.selectQuestionByText.get(this.datasetId, imageId, trace.question) as { id: number } | undefined;
    const id = existing
      ? existing.id
      : Number(this.s.insertQuestion.run(this.datasetId, imageId, null, trace.question, trace.answer, json(trace.program ?? null), trace.format).lastInsertRowid);
    if (!existing) this.counts.questions++;
    this.questionIds.set(key, id);
    return id;
  }

  private scene(name: string | null | undefined): number | null {
    if (!name) return null;
    if (this.sceneIds.has(name)) return this.sceneIds.get(name) ?? null;
    const row = this.s.selectScene.get(this.datasetId, name) as { id: number } | undefined;
    this.sceneIds.set(name, row?.id ?? null);
    return row?.id ?? null;
  }

  private user(name: string): number {
    const cached = this.userIds.get(name);
    if (cached) return cached;
    this.s.insertUser.run(name);
    const id = (this.s.selectUser.get(name) as { id: number }).id;
    this.userIds.set(name, id);
    return id;
  }

  private writeTrace(trace: NormalizedTrace, at: SourcedRecord): void {
    const hash = crypto.createHash("sha256").update(trace.raw).digest("hex");
    const existing = this.s.selectTrace.get(this.datasetId, trace.externalId) as { id: number; contentHash: string } | undefined;
    if (existing) {
      if (existing.contentHash === hash) {
        this.duplicates++;
        return;
      }
      throw new AppError("invalid_input", `${at.file}:${at.line} $.id: trace "${trace.externalId}" already exists in dataset "${this.datasetName}" with different content; nothing was imported`, [
        { file: at.file, line: at.line, path: "$.id", error: `trace "${trace.externalId}" already exists with different content` },
      ]);
    }
    const sceneId = this.scene(trace.scene ?? trace.image);
    const image = this.image(trace.image, sceneId ? CLEVR_DEFAULT_SIZE : undefined);
    const questionId = this.question(trace, image?.id ?? null);
    const info = this.s.insertTrace.run(this.datasetId, trace.externalId, questionId, image?.id ?? null, sceneId, trace.question, trace.answer,
      trace.finalAnswer ?? null, trace.teacherModel ?? null, json(trace.teacherParams ?? null), trace.method, trace.format, hash, trace.raw, trace.steps.length);
    const traceId = Number(info.lastInsertRowid);
    const stepIds: number[] = [];
    trace.steps.forEach((step, index) => {
      const refs = stepRefs(step);
      const stepInfo = this.s.insertStep.run(traceId, index, step.kind, step.text ?? null, step.tool ?? null, step.callId ?? null,
        json(step.args ?? null), step.result === undefined ? null : JSON.stringify(step.result), refs.length ? JSON.stringify(refs) : null);
      stepIds.push(Number(stepInfo.lastInsertRowid));
    });
    this.counts.traces++;
    this.counts.steps += trace.steps.length;
    for (const label of trace.labels ?? []) {
      const stepId = label.stepIndex === null ? null : stepIds[label.stepIndex];
      this.s.insertReview.run(traceId, stepId ?? null, this.user(label.source), label.label, label.source, JSON.stringify(label.provenance));
      if (label.stepIndex === null) this.s.setDecision.run(label.label, traceId);
    }
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
