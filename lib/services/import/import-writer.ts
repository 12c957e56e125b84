import { all, get, insert, run, runAsync, type Param, type Program, type Sql } from "@/lib/db/sql";
import { toPixelBox } from "@/lib/formats/boxes";
import { contentHash } from "@/lib/formats/hash";
import type { ImportCountsDto } from "@/lib/schemas/imports";
import type { ImportRecord, NormalizedBox, NormalizedImage, NormalizedQuestion, NormalizedScene, NormalizedStep, NormalizedStepLabel, NormalizedTrace, RecordError } from "@/lib/formats/types";
import type { StoredImage } from "@/lib/services/import/image-store";
import { stepRefs } from "@/lib/tools/refs";
import { splitLabel } from "@/lib/scenes/vocabulary";
import { deriveBox } from "@/lib/tools/scene";
import { tagQuestion } from "@/lib/taxonomy";
import { STEP_LABELS_SOURCE, stepLabelUser } from "@/lib/formats/step-labels";
import { AppError } from "@/lib/errors";
import { BulkRows, traceTaken } from "@/lib/services/import/import-bulk";

// The write half of an import: writes normalized records inside the short write transactions
// `importFiles` opens chunk by chunk (the import yields between chunks). The logic is written once
// as statement programs (lib/db/sql.ts, docs/design.md §14), which the caller runs synchronously
// on the better-sqlite3 handle inside a writeTransaction (SQLite's fast path, no promise per
// statement) or awaits on the async seam (PostgreSQL). With `bulk`
// (the import on PostgreSQL) the rows of the big tables — questions, their relation tags, traces,
// steps, labels — wait in memory until the end of the chunk, which sends each table at once by
// COPY (import-bulk.ts): a round trip per table and chunk instead of one per row (questions and
// traces take their ids from the sequences in blocks). Every row it creates carries the
// import's id (`importId`), so a failed or killed import is removed whole (import-rollback.ts);
// changes to rows that existed before the import (an image's file or size, boxes matched to a
// new scene, traces linked to it) wait in `deferred` for the last chunk, which commits them with
// the history row.
// Deduplication: traces by (dataset, id) + content hash, scenes by name, questions by id or by
// (image, text), images by name, boxes by (image, source, geometry). When the dataset is created
// by this very transaction nothing can exist yet, and every lookup query is skipped.

/** What an import created (the same shape the API returns). */
export type ImportCounts = ImportCountsDto;

export const emptyCounts = (): ImportCounts => ({ images: 0, scenes: 0, questions: 0, traces: 0, steps: 0, boxes: 0 });

export interface ResolvedImage {
  stored: StoredImage | null;
  url: string | null;
  width: number | null;
  height: number | null;
  /** Another name of the dataset for the same bytes (an inline image the dataset already holds): rows use it. */
  alias?: string;
}

/** A record the writer refused (trace id already imported with other content). */
export type Conflict = RecordError;

export const CLEVR_DEFAULT_SIZE = { width: 480, height: 320 };
const STEP_BATCH = 16;

interface ImageRow {
  id: number;
  width: number | null;
  height: number | null;
}

/** Writer options beyond the dataset and its images. */
export interface WriterOptions {
  cocoImages?: Map<number, string>;
  /** The import writing: stamped on every row created (null: rows are not owned, e.g. a dry run). */
  importId?: number | null;
  /** PostgreSQL: buffer the big tables' rows until `flush` (the end of each chunk); see import-bulk.ts. */
  bulk?: boolean;
}

interface ImageRowFound {
  id: number;
  width: number | null;
  height: number | null;
  path: string | null;
}

export class RecordWriter {
  readonly counts = emptyCounts();
  duplicates = 0;
  /** What the write pass noticed (the validation pass has its own). */
  readonly warnings: string[] = [];
  datasetId = 0;
  datasetIsNew = false;
  private readonly imageIds = new Map<string, ImageRow>();
  private readonly sceneIds = new Map<string, number | null>();
  /** A photo's boxes or graph scene by image id (looked up once per image, not once per trace). */
  private readonly imageScenes = new Map<number, number | null>();
  private readonly questionAnswers = new Map<string, { answer: string; unreliable: string | null }>();
  private readonly labelledImages = new Set<number>();
  private readonly sceneObjects = new Map<number, Array<{ index: number; px: number; py: number }>>();
  private readonly sceneByIndex = new Map<number, string | null>();
  private readonly questionIds = new Map<string, number>();
  private readonly userIds = new Map<string, number>();
  private readonly s: Record<string, string>;
  private readonly stepInserts = new Map<number, string>();
  private readonly postgres: boolean;
  private readonly bulk: BulkRows | null;
  /** Image rows this import created (changed at once; older rows wait for the last chunk). */
  private readonly createdImages = new Set<number>();
  private readonly deferred: Array<() => Program<unknown>> = [];
  private readonly cocoImages: Map<number, string>;
  private readonly importId: number | null;
  /** The trace being written (SQLite: a unique violation is about it, see `explain`). */
  private lastTrace: { externalId: string; file: string | null; line: number } | null = null;

  /**
   * `target` gives the dialect; the writer's statement programs run wherever the caller drives
   * them (runSync inside a writeTransaction, runAsync on a transaction). `RecordWriter.open` makes
   * one with its dataset created or found; else run `opening()` first.
   */
  constructor(
    target: Sql,
    readonly datasetName: string,
    private readonly images: Map<string, ResolvedImage>,
    cocoImages: Map<number, string> = new Map(),
    importId: number | null = null,
    options: Pick<WriterOptions, "bulk"> = {},
  ) {
    this.cocoImages = cocoImages;
    this.importId = importId;
    this.postgres = target.dialect === "postgres";
    this.bulk = this.postgres && options.bulk ? new BulkRows() : null;
    const pg = this.postgres;
    this.s = {
      insertDataset: `INSERT INTO "Dataset" ("name", "importId") VALUES (?, ?) ON CONFLICT ("name") DO NOTHING`,
      selectDataset: `SELECT "id" FROM "Dataset" WHERE "name" = ?`,
      selectImage: `SELECT "id", "width", "height", "path" FROM "Image" WHERE "datasetId" = ? AND "name" = ?`,
      insertImage: `INSERT INTO "Image" ("datasetId", "name", "sha256", "path", "url", "width", "height", "mime", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      fillImage: `UPDATE "Image" SET "sha256" = ?, "path" = ?, "width" = ?, "height" = ?, "mime" = ? WHERE "id" = ?`,
      sizeImage: `UPDATE "Image" SET "width" = ?, "height" = ? WHERE "id" = ? AND "width" IS NULL`,
      selectScene: `SELECT "id" FROM "Scene" WHERE "datasetId" = ? AND "name" = ?`,
      selectSceneByIndex: pg
        ? `SELECT "name" FROM "Scene" WHERE "datasetId" = ? AND jsonb_typeof("info"->'image_index') = 'number' AND ("info"->>'image_index')::numeric = ? LIMIT 1`
        : `SELECT "name" FROM "Scene" WHERE "datasetId" = ? AND json_extract("info", '$.image_index') = ? LIMIT 1`,
      selectSceneObjects: `SELECT o."index", o."px", o."py" FROM "SceneObject" o JOIN "Scene" s ON s."id" = o."sceneId" WHERE s."imageId" = ? AND o."px" IS NOT NULL ORDER BY o."index"`,
      insertScene: `INSERT INTO "Scene" ("datasetId", "imageId", "name", "kind", "relationships", "directions", "info", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      insertObject: `INSERT INTO "SceneObject" ("sceneId", "index", "color", "size", "shape", "material", "x3d", "y3d", "z3d", "px", "py", "depth", "rotation", "extra") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      sceneOfImage: `SELECT 1 FROM "Scene" WHERE "datasetId" = ? AND "imageId" = ? LIMIT 1`,
      labelledBoxes: `SELECT "id", "source", "label" FROM "Box" WHERE "imageId" = ? AND "objectIndex" IS NULL AND "label" IS NOT NULL AND "label" <> '' ORDER BY "id"`,
      imageName: `SELECT "name" FROM "Image" WHERE "id" = ?`,
      setBoxObject: `UPDATE "Box" SET "objectIndex" = ? WHERE "id" = ?`,
      linkTraces: `UPDATE "Trace" SET "sceneId" = ? WHERE "datasetId" = ? AND "imageId" = ? AND "sceneId" IS NULL`,
      sceneByImage: `SELECT "id" FROM "Scene" WHERE "datasetId" = ? AND "imageId" = ? AND "kind" IN ('boxes', 'graph') ORDER BY "id" LIMIT 1`,
      insertBox: `INSERT INTO "Box" ("imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      selectBox: `SELECT 1 FROM "Box" WHERE "imageId" = ? AND "source" = ? AND "x" = ? AND "y" = ? AND "w" = ? AND "h" = ? LIMIT 1`,
      selectQuestionByExternal: `SELECT "id" FROM "Question" WHERE "datasetId" = ? AND "externalId" = ?`,
      selectQuestionByText: `SELECT "id", "answer", "answerUnreliable" FROM "Question" WHERE "datasetId" = ? AND "text" = ? AND "imageId" IS NOT DISTINCT FROM ? LIMIT 1`,
      insertQuestion: `INSERT INTO "Question" ("datasetId", "imageId", "externalId", "text", "answer", "program", "source", "answerUnreliable", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      insertRelation: `INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass") VALUES (?, ?, ?) ON CONFLICT ("questionId", "relation") DO NOTHING`,
      selectTrace: `SELECT "id", "contentHash" FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`,
      insertTrace: `INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount", "decision", "answerUnreliable", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      insertUser: `INSERT INTO "User" ("name", "role") VALUES (?, 'external') ON CONFLICT ("name") DO NOTHING`,
      selectUser: `SELECT "id" FROM "User" WHERE "name" = ?`,
      insertReview: `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "provenance", "importId") VALUES (?, ?, ?, ?, ?, ?, ?)`,
      labelTarget: `SELECT t."id" AS traceId, s."id" AS stepId, s."revision" AS revision FROM "Trace" t JOIN "Step" s ON s."traceId" = t."id" WHERE t."datasetId" = ? AND t."externalId" = ? AND s."index" = ?`,
      currentLabel: `SELECT "id", "label", "comment", "createdAt" FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "current" = TRUE ORDER BY "id" DESC LIMIT 1`,
      sameLabel: `SELECT 1 FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "label" = ? AND "comment" IS NOT DISTINCT FROM ? AND "createdAt" = ? LIMIT 1`,
      retireLabel: `UPDATE "Review" SET "current" = FALSE WHERE "id" = ?`,
      insertLabel: `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "comment", "revision", "current", "source", "provenance", "createdAt", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    };
  }

  /** A writer on the async seam (any dialect), its dataset created or found. */
  static async open(q: Sql, datasetName: string, images: Map<string, ResolvedImage>, options: WriterOptions = {}): Promise<RecordWriter> {
    const writer = new RecordWriter(q, datasetName, images, options.cocoImages, options.importId ?? null, { bulk: options.bulk });
    await runAsync(writer.opening(), q);
    return writer;
  }

  /** Creates or finds the dataset (first thing a writer built on the seam runs). */
  *opening(): Program<void> {
    this.datasetIsNew = (yield* run(this.s.insertDataset, this.datasetName, this.importId)).changes === 1;
    this.datasetId = (yield* get<{ id: number }>(this.s.selectDataset, this.datasetName))!.id;
  }

  /** A change to a row older than this import: at once when not staged, else in the last chunk. */
  private *later(change: () => Program<unknown>): Program<void> {
    if (this.importId === null) yield* change();
    else this.deferred.push(change);
  }

  /** `record` on the seam (any dialect; on SQLite it completes synchronously). */
  writeAsync(q: Sql, record: ImportRecord, hash?: string, file?: string): Promise<Conflict | null> {
    return runAsync(this.record(record, hash, file), q);
  }

  /** Sends the buffered rows (bulk mode; nothing to do otherwise). Call before the chunk commits. */
  flushAsync(q: Sql): Promise<void> {
    return runAsync(this.flush(), q);
  }

  /**
   * The statement program of one record; returns a conflict instead of writing when the record
   * contradicts what is stored. `file` names the input in label provenance.
   */
  *record(record: ImportRecord, hash?: string, file?: string): Program<Conflict | null> {
    switch (record.type) {
      case "image":
        yield* this.writeImage(record.value);
        return null;
      case "scene":
        yield* this.writeScene(record.value);
        return null;
      case "box":
        yield* this.writeBox(record.value);
        return null;
      case "question":
        yield* this.writeQuestion(record.value);
        return null;
      case "trace":
        return yield* this.writeTrace(record.value, record.line, hash, file ?? null);
      case "label":
        return yield* this.writeStepLabel(record.value, record.line, file ?? null);
    }
  }

  /** Buffered rows go to the database, parents first (bulk mode). */
  *flush(): Program<void> {
    if (!this.bulk || this.bulk.empty()) return;
    yield* this.bulk.flush();
  }

  /**
   * A write that failed on a trace id already in the dataset (another import wrote it between this
   * import's lookup and its insert, or the dataset is new to this import and nothing was looked
   * up) as an error naming the file and line; null for any other error. On SQLite the failing
   * insert is the trace being written; on PostgreSQL the chunk's COPY names the id.
   */
  explain(error: unknown): AppError | null {
    if (this.bulk) return this.bulk.explain(error, this.datasetName);
    const e = error as { code?: string; message?: string } | null;
    if (!this.lastTrace || e?.code !== "SQLITE_CONSTRAINT_UNIQUE" || !/Trace\.datasetId, Trace\.externalId/.test(e.message ?? "")) return null;
    return traceTaken(this.lastTrace.externalId, this.lastTrace.file, this.lastTrace.line, this.datasetName);
  }

  /**
   * A human step label from another tool (step-labels format): a Review with source
   * external:step-labels, its reviewer an `external` user named "step-labels:<name>" (never a
   * signed-in user of this app, whatever the name), the name as given, the file and line kept in
   * its provenance, `createdAt` the label's own time. The reviewer's latest label on a step is
   * current; the same label again (same time, or no time and the same current label) is a duplicate.
   */
  private *writeStepLabel(label: NormalizedStepLabel, line: number, file: string | null): Program<Conflict | null> {
    // the label's trace may be among the rows still buffered in this chunk
    yield* this.flush();
    const target = yield* get<{ traceId: number; stepId: number; revision: number }>(this.s.labelTarget, this.datasetId, label.trace, label.step);
    if (!target) return { line, path: "$.trace", error: `trace "${label.trace}" has no step ${label.step} in dataset "${this.datasetName}" (the trace was not imported)` };
    const userId = yield* this.user(stepLabelUser(label.reviewer));
    const current = yield* get<{ id: number; label: string; comment: string | null; createdAt: string | number }>(this.s.currentLabel, target.stepId, userId);
    const time = label.time ?? new Date().toISOString();
    if (label.time ? yield* get(this.s.sameLabel, target.stepId, userId, label.label, label.comment, time) : current && current.label === label.label && current.comment === label.comment) {
      this.duplicates++;
      return null;
    }
    // an older label than the reviewer's current one is history, not the current label
    const newer = !current || !label.time || new Date(time).getTime() >= storedTime(current.createdAt);
    if (current && newer) yield* run(this.s.retireLabel, current.id);
    const provenance = { format: "step-labels", file, line, reviewer: label.reviewer, time: label.time };
    yield* run(this.s.insertLabel, target.traceId, target.stepId, userId, label.label, label.comment, target.revision, newer, STEP_LABELS_SOURCE, JSON.stringify(provenance), time, this.importId);
    this.counts.labels = (this.counts.labels ?? 0) + 1;
    return null;
  }

  *image(name: string | null | undefined, fallbackSize?: { width: number; height: number } | null): Program<ImageRow | null> {
    if (!name) return null;
    const alias = this.images.get(name)?.alias;
    if (alias) return yield* this.image(alias, fallbackSize);
    const cached = this.imageIds.get(name);
    if (cached) return cached;
    const resolved = this.images.get(name) ?? { stored: null, url: null, width: null, height: null };
    const stored = resolved.stored;
    const existing = this.datasetIsNew ? undefined : yield* get<ImageRowFound>(this.s.selectImage, this.datasetId, name);
    let entry: ImageRow;
    if (existing) {
      if (!existing.path && stored) {
        const fill = this.s.fillImage;
        yield* this.later(() => run(fill, stored.sha256, stored.path, stored.width, stored.height, stored.mime, existing.id));
        entry = { id: existing.id, width: stored.width, height: stored.height };
      } else {
        // the first file of a name stays: its boxes and scene coordinates were read against it
        if (existing.path && stored && stored.path !== existing.path) {
          this.warnings.push(`image "${name}" is already in the dataset with other bytes; the stored one is kept (new file sha256 ${stored.sha256.slice(0, 12)}… not used)`);
        }
        entry = { id: existing.id, width: existing.width, height: existing.height };
      }
    } else {
      const width = stored?.width ?? resolved.width ?? fallbackSize?.width ?? null;
      const height = stored?.height ?? resolved.height ?? fallbackSize?.height ?? null;
      const id = yield* insert(this.s.insertImage, this.datasetId, name, stored?.sha256 ?? null, stored?.path ?? null, resolved.url, width, height, stored?.mime ?? null, this.importId);
      this.counts.images++;
      entry = { id, width, height };
      this.createdImages.add(entry.id);
    }
    this.imageIds.set(name, entry);
    return entry;
  }

  private *writeImage(image: NormalizedImage): Program<void> {
    const row = yield* this.image(image.name, image.width && image.height ? { width: image.width, height: image.height } : null);
    if (row && row.width === null && image.width && image.height) {
      const [width, height, id] = [image.width, image.height, row.id];
      const size = this.s.sizeImage;
      if (this.createdImages.has(id)) yield* run(size, width, height, id);
      else yield* this.later(() => run(size, width, height, id));
      row.width = image.width;
      row.height = image.height;
    }
  }

  private *writeScene(scene: NormalizedScene): Program<void> {
    const index = scene.info?.image_index;
    if (typeof index === "number") this.sceneByIndex.set(index, scene.name);
    if (!this.datasetIsNew && (yield* get(this.s.selectScene, this.datasetId, scene.name))) {
      this.duplicates++;
      return;
    }
    if (this.sceneIds.get(scene.name)) {
      this.duplicates++;
      return;
    }
    const image = yield* this.image(scene.image, scene.kind === "clevr" ? CLEVR_DEFAULT_SIZE : undefined);
    const values: Param[] = [this.datasetId, image?.id ?? null, scene.name, scene.kind, json(scene.relationships), json(scene.directions), json(scene.info), this.importId];
    let sceneId: number;
    if (this.bulk) {
      sceneId = yield* this.bulk.id("Scene");
      this.bulk.add("Scene", [sceneId, ...values]);
    } else sceneId = yield* insert(this.s.insertScene, ...values);
    this.sceneIds.set(scene.name, sceneId);
    if (image) this.imageScenes.delete(image.id);
    this.counts.scenes++;
    for (const o of scene.objects) {
      const object: Param[] = [sceneId, o.index, o.color ?? null, o.size ?? null, o.shape ?? null, o.material ?? null,
        o.coords3d?.[0] ?? null, o.coords3d?.[1] ?? null, o.coords3d?.[2] ?? null,
        o.pixel?.[0] ?? null, o.pixel?.[1] ?? null, o.pixel?.[2] ?? null, o.rotation ?? null, json(o.extra)];
      if (this.bulk) this.bulk.add("SceneObject", object);
      else yield* run(this.s.insertObject, ...object);
      if (image && o.pixel && o.size && o.shape) {
        const [x, y, w, h] = deriveBox(o.pixel, o.size, o.shape, image.width ?? CLEVR_DEFAULT_SIZE.width);
        const box: Param[] = [image.id, "derived", `${o.size} ${o.color} ${o.material} ${o.shape}`, o.index, x, y, w, h, null, this.importId];
        if (this.bulk) this.bulk.add("Box", box);
        else yield* run(this.s.insertBox, ...box);
        this.counts.boxes++;
      }
    }
    if (image) this.sceneObjects.delete(image.id);
  }

  /** The image file name of the scene with this image_index (masks name images that way). */
  *sceneImageByIndex(index: number): Program<string | null> {
    if (this.sceneByIndex.has(index)) return this.sceneByIndex.get(index) ?? null;
    yield* this.flush();
    const row = yield* get<{ name: string }>(this.s.selectSceneByIndex, this.datasetId, index);
    this.sceneByIndex.set(index, row?.name ?? null);
    return row?.name ?? null;
  }

  private *objectsOf(imageId: number): Program<Array<{ index: number; px: number; py: number }>> {
    let objects = this.sceneObjects.get(imageId);
    if (!objects) {
      objects = yield* all<{ index: number; px: number; py: number }>(this.s.selectSceneObjects, imageId);
      this.sceneObjects.set(imageId, objects);
    }
    return objects;
  }

  private *writeBox(box: NormalizedBox): Program<void> {
    // a box is checked against the stored boxes and scene objects: buffered ones go first
    yield* this.flush();
    const name =
      box.image ??
      (box.imageIndex !== undefined && box.imageIndex !== null ? yield* this.sceneImageByIndex(box.imageIndex) : null) ??
      (box.cocoImageId !== undefined && box.cocoImageId !== null ? (this.cocoImages.get(box.cocoImageId) ?? null) : null);
    const image = yield* this.image(name);
    if (!image) return;
    const converted = box.convention && box.convention !== "xywh" ? toPixelBox(box.box, box.convention, image.width && image.height ? { width: image.width, height: image.height } : null) : { ok: true as const, box: box.box };
    // pass 1 checked that the size is known; a failure here means the stored image has none
    if (!converted.ok) return;
    const [x, y, w, h] = converted.box;
    // looked up even in a new dataset: the same box often arrives twice (conventions, files)
    if (yield* get(this.s.selectBox, image.id, box.source, x, y, w, h)) {
      this.duplicates++;
      return;
    }
    let objectIndex = box.objectIndex ?? null;
    if (objectIndex === null && box.matchObject) objectIndex = matchObject(yield* this.objectsOf(image.id), [x, y, w, h]);
    yield* run(this.s.insertBox, image.id, box.source, box.label ?? null, objectIndex, x, y, w, h, box.score ?? null, this.importId);
    this.counts.boxes++;
    if (objectIndex === null && box.label) this.labelledImages.add(image.id);
  }

  /**
   * After every record: photos that received labelled boxes (COCO ground truth, detector output,
   * boxes JSONL) but have no scene become `boxes` scenes (docs/design.md §3) — one object per
   * ground-truth box, or per detector box when there is no ground truth — named "<image>#boxes" so
   * a scene file imported later keeps the image's own name; the image's traces point at it.
   * Runs in the import's last chunk, with the deferred changes to rows older than the import.
   */
  finishAsync(q: Sql): Promise<void> {
    return runAsync(this.finishing(), q);
  }

  *finishing(): Program<void> {
    yield* this.flush();
    for (const change of this.deferred.splice(0)) yield* change();
    for (const imageId of this.labelledImages) {
      if (yield* get(this.s.sceneOfImage, this.datasetId, imageId)) continue;
      const boxes = yield* all<{ id: number; source: string; label: string }>(this.s.labelledBoxes, imageId);
      const truth = boxes.filter((b) => b.source === "ground_truth");
      const chosen = truth.length ? truth : boxes.filter((b) => b.source.startsWith("detector:"));
      if (!chosen.length) continue;
      const image = (yield* get<{ name: string }>(this.s.imageName, imageId))!;
      const name = `${image.name}#boxes`;
      if (yield* get(this.s.selectScene, this.datasetId, name)) continue;
      const sceneId = yield* insert(this.s.insertScene, this.datasetId, imageId, name, "boxes", "{}", null, JSON.stringify({ source: chosen[0].source }), this.importId);
      for (const [index, b] of chosen.entries()) {
        yield* run(this.s.insertObject, sceneId, index, null, null, null, null, null, null, null, null, null, null, null, JSON.stringify({ ...splitLabel(b.label), source: b.source }));
        yield* run(this.s.setBoxObject, index, b.id);
      }
      yield* run(this.s.linkTraces, sceneId, this.datasetId, imageId);
      this.sceneIds.set(name, sceneId);
      this.counts.scenes++;
    }
  }

  /** A new Question row: buffered in bulk mode (its id from the sequence), else inserted at once. */
  private *newQuestion(imageId: number | null, externalId: string | null, text: string, answer: string | null | undefined, program: unknown, source: string | null | undefined, unreliable: string | null | undefined): Program<number> {
    if (this.bulk) {
      const id = yield* this.bulk.id("Question");
      this.bulk.add("Question", [id, this.datasetId, imageId, externalId, text, answer ?? null, json(program ?? null), source ?? null, unreliable ?? null, this.importId]);
      return id;
    }
    return yield* insert(this.s.insertQuestion, this.datasetId, imageId, externalId, text, answer ?? null, json(program ?? null), source ?? null, unreliable ?? null, this.importId);
  }

  private *writeQuestion(question: NormalizedQuestion): Program<void> {
    if (this.questionIds.has(`id\u0000${question.externalId}`) || (!this.datasetIsNew && (yield* get(this.s.selectQuestionByExternal, this.datasetId, question.externalId)))) {
      this.duplicates++;
      return;
    }
    const image = yield* this.image(question.image);
    const id = yield* this.newQuestion(image?.id ?? null, question.externalId, question.text, question.answer, question.program, question.source, question.answerUnreliable);
    yield* this.tagRelations(id, question.text, question.program);
    this.questionIds.set(`id\u0000${question.externalId}`, id);
    this.questionIds.set(`${image?.id ?? ""}\u0000${question.text}`, id);
    this.counts.questions++;
  }

  private *question(trace: NormalizedTrace, imageId: number | null): Program<number> {
    const key = `${imageId ?? ""}\u0000${trace.question}`;
    const cached = this.questionIds.get(key);
    if (cached) return cached;
    const existing = this.datasetIsNew ? undefined : yield* get<{ id: number; answer: string | null; answerUnreliable: string | null }>(this.s.selectQuestionByText, this.datasetId, trace.question, imageId);
    // a trace without ground truth takes its question's (a scene graph's questions, docs/design.md §3)
    if (existing?.answer && (trace.answer === null || trace.answer === undefined)) this.questionAnswers.set(key, { answer: existing.answer, unreliable: existing.answerUnreliable });
    const id = existing ? existing.id : yield* this.newQuestion(imageId, null, trace.question, trace.answer, trace.program, trace.format, trace.answerUnreliable);
    if (!existing) {
      this.counts.questions++;
      yield* this.tagRelations(id, trace.question, trace.program, trace.relations);
    }
    this.questionIds.set(key, id);
    return id;
  }

  /** Relation taxonomy tags (docs/design.md §9) from the question's text, program or explicit labels. */
  private *tagRelations(questionId: number, text: string, program: unknown, labels?: string[]): Program<void> {
    const seen = new Set<string>();
    for (const tag of tagQuestion({ text, program, labels })) {
      // COPY has no ON CONFLICT: a new question's tags are made unique here
      if (this.bulk && !seen.has(tag.relation)) this.bulk.add("QuestionRelation", [questionId, tag.relation, tag.class]);
      else if (!this.bulk) yield* run(this.s.insertRelation, questionId, tag.relation, tag.class);
      seen.add(tag.relation);
    }
  }

  private *imageScene(imageId: number): Program<number | null> {
    if (this.imageScenes.has(imageId)) return this.imageScenes.get(imageId) ?? null;
    // a scene of this chunk may still be buffered (bulk mode)
    yield* this.flush();
    const id = (yield* get<{ id: number }>(this.s.sceneByImage, this.datasetId, imageId))?.id ?? null;
    this.imageScenes.set(imageId, id);
    return id;
  }

  private *scene(name: string | null | undefined): Program<number | null> {
    if (!name) return null;
    if (this.sceneIds.has(name)) return this.sceneIds.get(name) ?? null;
    const row = yield* get<{ id: number }>(this.s.selectScene, this.datasetId, name);
    this.sceneIds.set(name, row?.id ?? null);
    return row?.id ?? null;
  }

  private *user(name: string): Program<number> {
    const cached = this.userIds.get(name);
    if (cached) return cached;
    yield* run(this.s.insertUser, name);
    const id = (yield* get<{ id: number }>(this.s.selectUser, name))!.id;
    this.userIds.set(name, id);
    return id;
  }

  /** A multi-row Step INSERT; on PostgreSQL it returns the new ids with their index (a SERIAL's ids of one statement need not be consecutive there). */
  private stepInsert(rows: number): string {
    let statement = this.stepInserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
      statement = `INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs") VALUES ${values}${this.postgres ? ` RETURNING "id", "index"` : ""}`;
      this.stepInserts.set(rows, statement);
    }
    return statement;
  }

  private *writeTrace(trace: NormalizedTrace, line: number, hash = contentHash(trace.raw), file: string | null = null): Program<Conflict | null> {
    if (!this.datasetIsNew) {
      const existing = yield* get<{ id: number; contentHash: string }>(this.s.selectTrace, this.datasetId, trace.externalId);
      if (existing) {
        if (existing.contentHash === hash) {
          this.duplicates++;
          return null;
        }
        return { line, path: "$.id", error: `trace "${trace.externalId}" already exists in dataset "${this.datasetName}" with different content` };
      }
    }
    const named = yield* this.scene(trace.scene ?? (trace.image ? (this.images.get(trace.image)?.alias ?? trace.image) : null));
    const image = yield* this.image(trace.image, named ? CLEVR_DEFAULT_SIZE : undefined);
    // a photo's boxes scene ("<image>#boxes") when no scene has the image's name
    const sceneId = named ?? (image && !trace.scene ? yield* this.imageScene(image.id) : null);
    const questionId = yield* this.question(trace, image?.id ?? null);
    const fromQuestion = trace.answer === null || trace.answer === undefined ? this.questionAnswers.get(`${image?.id ?? ""}\u0000${trace.question}`) : undefined;
    const answer = trace.answer ?? fromQuestion?.answer ?? null;
    // a ground truth whose program the verifier fails is kept, flagged, and never used to check answers
    const unreliable = trace.answerUnreliable ?? fromQuestion?.unreliable ?? null;
    const decision = trace.labels?.findLast((l) => l.stepIndex === null)?.label ?? null;
    this.lastTrace = { externalId: trace.externalId, file, line };
    const values: Param[] = [this.datasetId, trace.externalId, questionId, image?.id ?? null, sceneId, trace.question, answer,
      trace.finalAnswer ?? null, trace.teacherModel ?? null, json(trace.teacherParams ?? null), trace.method, trace.format, hash, trace.raw, trace.steps.length, decision, unreliable, this.importId];
    let traceId: number;
    let stepIds: number[];
    if (this.bulk) {
      traceId = yield* this.bulk.id("Trace");
      this.bulk.add("Trace", [traceId, ...values]);
      this.bulk.source(trace.externalId, file, line);
      for (let index = 0; index < trace.steps.length; index++) this.bulk.add("Step", stepValues(traceId, index, trace.steps[index]));
      // labels find their steps by (trace, index) when they are sent (import-bulk.ts)
      stepIds = [];
    } else {
      traceId = yield* insert(this.s.insertTrace, ...values);
      stepIds = yield* this.writeSteps(traceId, trace.steps);
    }
    this.counts.traces++;
    this.counts.steps += trace.steps.length;
    for (const label of trace.labels ?? []) {
      const userId = yield* this.user(label.source);
      if (this.bulk) this.bulk.add("Review", [traceId, label.stepIndex, userId, label.label, label.source, JSON.stringify(label.provenance), this.importId]);
      else yield* run(this.s.insertReview, traceId, label.stepIndex === null ? null : (stepIds[label.stepIndex] ?? null), userId, label.label, label.source, JSON.stringify(label.provenance), this.importId);
    }
    return null;
  }

  /** Multi-row inserts; returns the step ids by index (on SQLite the ids of one statement are consecutive). */
  private *writeSteps(traceId: number, steps: NormalizedStep[]): Program<number[]> {
    const ids: number[] = new Array(steps.length);
    for (let start = 0; start < steps.length; start += STEP_BATCH) {
      const count = Math.min(STEP_BATCH, steps.length - start);
      const params: Param[] = [];
      for (let k = 0; k < count; k++) params.push(...stepValues(traceId, start + k, steps[start + k]));
      if (this.postgres) {
        for (const row of yield* all<{ id: number; index: number }>(this.stepInsert(count), ...params)) ids[row.index] = row.id;
      } else {
        const last = yield* insert(this.stepInsert(count), ...params);
        for (let k = 0; k < count; k++) ids[start + k] = last - count + 1 + k;
      }
    }
    return ids;
  }
}

/** A Step row's values after its id: traceId, index, kind, text, tool, callId, args, result, refs. */
function stepValues(traceId: number, index: number, step: NormalizedStep): Param[] {
  const refs = stepRefs(step);
  return [
    traceId,
    index,
    step.kind,
    step.text ?? null,
    step.tool ?? null,
    step.callId ?? null,
    step.args === undefined || step.args === null ? null : JSON.stringify(step.args),
    step.result === undefined ? null : JSON.stringify(step.result),
    refs.length ? JSON.stringify(refs) : null,
  ];
}

/** A createdAt as SQLite holds it (ISO text, "YYYY-MM-DD HH:MM:SS" UTC, or epoch ms) → epoch ms. */
function storedTime(value: string | number): number {
  if (typeof value === "number") return value;
  return new Date(/^\d{4}-\d{2}-\d{2} /.test(value) ? `${value.replace(" ", "T")}Z` : value).getTime();
}

/** The scene object whose pixel centre lies in the box, nearest the box centre. */
export function matchObject(objects: Array<{ index: number; px: number; py: number }>, [x, y, w, h]: [number, number, number, number]): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  for (const o of objects) {
    if (o.px < x || o.px > x + w || o.py < y || o.py > y + h) continue;
    const distance = (o.px - (x + w / 2)) ** 2 + (o.py - (y + h / 2)) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = o.index;
    }
  }
  return best;
}


function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
