import type Database from "better-sqlite3";
import { prepare } from "@/lib/db";
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

// The synchronous half of an import: writes normalized records through prepared statements on
// the shared connection, inside the short write transactions `importFiles` opens chunk by chunk
// (a call never yields; the import yields between chunks). Every row it creates carries the
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

export class RecordWriter {
  readonly counts = emptyCounts();
  duplicates = 0;
  /** What the write pass noticed (the validation pass has its own). */
  readonly warnings: string[] = [];
  readonly datasetId: number;
  readonly datasetIsNew: boolean;
  private readonly imageIds = new Map<string, ImageRow>();
  private readonly sceneIds = new Map<string, number | null>();
  private readonly questionAnswers = new Map<string, { answer: string; unreliable: string | null }>();
  private readonly labelledImages = new Set<number>();
  private readonly sceneObjects = new Map<number, Array<{ index: number; px: number; py: number }>>();
  private readonly sceneByIndex = new Map<number, string | null>();
  private readonly questionIds = new Map<string, number>();
  private readonly userIds = new Map<string, number>();
  private readonly s: Record<string, Database.Statement>;
  private readonly stepInserts = new Map<number, Database.Statement>();
  /** Image rows this import created (changed at once; older rows wait for the last chunk). */
  private readonly createdImages = new Set<number>();
  private readonly deferred: Array<() => void> = [];

  constructor(
    private readonly handle: Database.Database,
    readonly datasetName: string,
    private readonly images: Map<string, ResolvedImage>,
    private readonly cocoImages: Map<number, string> = new Map(),
    /** The import writing: stamped on every row created (null: rows are not owned, e.g. a dry run). */
    private readonly importId: number | null = null,
  ) {
    const p = (sql: string) => prepare(handle, sql);
    this.s = {
      insertDataset: p(`INSERT INTO "Dataset" ("name", "importId") VALUES (?, ?) ON CONFLICT ("name") DO NOTHING`),
      selectDataset: p(`SELECT "id" FROM "Dataset" WHERE "name" = ?`),
      selectImage: p(`SELECT "id", "width", "height", "path" FROM "Image" WHERE "datasetId" = ? AND "name" = ?`),
      insertImage: p(`INSERT INTO "Image" ("datasetId", "name", "sha256", "path", "url", "width", "height", "mime", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      fillImage: p(`UPDATE "Image" SET "sha256" = ?, "path" = ?, "width" = ?, "height" = ?, "mime" = ? WHERE "id" = ?`),
      sizeImage: p(`UPDATE "Image" SET "width" = ?, "height" = ? WHERE "id" = ? AND "width" IS NULL`),
      selectScene: p(`SELECT "id" FROM "Scene" WHERE "datasetId" = ? AND "name" = ?`),
      selectSceneByIndex: p(`SELECT "name" FROM "Scene" WHERE "datasetId" = ? AND json_extract("info", '$.image_index') = ? LIMIT 1`),
      selectSceneObjects: p(`SELECT o."index", o."px", o."py" FROM "SceneObject" o JOIN "Scene" s ON s."id" = o."sceneId" WHERE s."imageId" = ? AND o."px" IS NOT NULL ORDER BY o."index"`),
      insertScene: p(`INSERT INTO "Scene" ("datasetId", "imageId", "name", "kind", "relationships", "directions", "info", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insertObject: p(`INSERT INTO "SceneObject" ("sceneId", "index", "color", "size", "shape", "material", "x3d", "y3d", "z3d", "px", "py", "depth", "rotation", "extra") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      sceneOfImage: p(`SELECT 1 FROM "Scene" WHERE "datasetId" = ? AND "imageId" = ? LIMIT 1`),
      labelledBoxes: p(`SELECT "id", "source", "label" FROM "Box" WHERE "imageId" = ? AND "objectIndex" IS NULL AND "label" IS NOT NULL AND "label" <> '' ORDER BY "id"`),
      imageName: p(`SELECT "name" FROM "Image" WHERE "id" = ?`),
      setBoxObject: p(`UPDATE "Box" SET "objectIndex" = ? WHERE "id" = ?`),
      linkTraces: p(`UPDATE "Trace" SET "sceneId" = ? WHERE "datasetId" = ? AND "imageId" = ? AND "sceneId" IS NULL`),
      sceneByImage: p(`SELECT "id" FROM "Scene" WHERE "datasetId" = ? AND "imageId" = ? AND "kind" IN ('boxes', 'graph') ORDER BY "id" LIMIT 1`),
      insertBox: p(`INSERT INTO "Box" ("imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      selectBox: p(`SELECT 1 FROM "Box" WHERE "imageId" = ? AND "source" = ? AND "x" = ? AND "y" = ? AND "w" = ? AND "h" = ? LIMIT 1`),
      selectQuestionByExternal: p(`SELECT "id" FROM "Question" WHERE "datasetId" = ? AND "externalId" = ?`),
      selectQuestionByText: p(`SELECT "id", "answer", "answerUnreliable" FROM "Question" WHERE "datasetId" = ? AND "text" = ? AND "imageId" IS ? LIMIT 1`),
      insertQuestion: p(`INSERT INTO "Question" ("datasetId", "imageId", "externalId", "text", "answer", "program", "source", "answerUnreliable", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertRelation: p(`INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass") VALUES (?, ?, ?) ON CONFLICT ("questionId", "relation") DO NOTHING`),
      selectTrace: p(`SELECT "id", "contentHash" FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`),
      insertTrace: p(`INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount", "decision", "answerUnreliable", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertUser: p(`INSERT INTO "User" ("name", "role") VALUES (?, 'external') ON CONFLICT ("name") DO NOTHING`),
      selectUser: p(`SELECT "id" FROM "User" WHERE "name" = ?`),
      insertReview: p(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source", "provenance", "importId") VALUES (?, ?, ?, ?, ?, ?, ?)`),
      labelTarget: p(`SELECT t."id" AS traceId, s."id" AS stepId, s."revision" AS revision FROM "Trace" t JOIN "Step" s ON s."traceId" = t."id" WHERE t."datasetId" = ? AND t."externalId" = ? AND s."index" = ?`),
      currentLabel: p(`SELECT "id", "label", "comment", "createdAt" FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "current" = 1 ORDER BY "id" DESC LIMIT 1`),
      sameLabel: p(`SELECT 1 FROM "Review" WHERE "stepId" = ? AND "userId" = ? AND "label" = ? AND "comment" IS ? AND "createdAt" = ? LIMIT 1`),
      retireLabel: p(`UPDATE "Review" SET "current" = 0 WHERE "id" = ?`),
      insertLabel: p(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "comment", "revision", "current", "source", "provenance", "createdAt", "importId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    this.datasetIsNew = this.s.insertDataset.run(datasetName, importId).changes === 1;
    this.datasetId = (this.s.selectDataset.get(datasetName) as { id: number }).id;
  }

  /** A change to a row older than this import: at once when not staged, else in the last chunk. */
  private later(change: () => void): void {
    if (this.importId === null) change();
    else this.deferred.push(change);
  }

  /** Returns a conflict instead of writing when the record contradicts what is stored. `file` names the input in label provenance. */
  write(record: ImportRecord, hash?: string, file?: string): Conflict | null {
    switch (record.type) {
      case "image":
        this.writeImage(record.value);
        return null;
      case "scene":
        this.writeScene(record.value);
        return null;
      case "box":
        this.writeBox(record.value);
        return null;
      case "question":
        this.writeQuestion(record.value);
        return null;
      case "trace":
        return this.writeTrace(record.value, record.line, hash);
      case "label":
        return this.writeStepLabel(record.value, record.line, file ?? null);
    }
  }

  /**
   * A human step label from another tool (step-labels format): a Review with source
   * external:step-labels, its reviewer an `external` user named "step-labels:<name>" (never a
   * signed-in user of this app, whatever the name), the name as given, the file and line kept in
   * its provenance, `createdAt` the label's own time. The reviewer's latest label on a step is
   * current; the same label again (same time, or no time and the same current label) is a duplicate.
   */
  private writeStepLabel(label: NormalizedStepLabel, line: number, file: string | null): Conflict | null {
    const target = this.s.labelTarget.get(this.datasetId, label.trace, label.step) as { traceId: number; stepId: number; revision: number } | undefined;
    if (!target) return { line, path: "$.trace", error: `trace "${label.trace}" has no step ${label.step} in dataset "${this.datasetName}" (the trace was not imported)` };
    const userId = this.user(stepLabelUser(label.reviewer));
    const current = this.s.currentLabel.get(target.stepId, userId) as { id: number; label: string; comment: string | null; createdAt: string | number } | undefined;
    const time = label.time ?? new Date().toISOString();
    if (label.time ? this.s.sameLabel.get(target.stepId, userId, label.label, label.comment, time) : current && current.label === label.label && current.comment === label.comment) {
      this.duplicates++;
      return null;
    }
    // an older label than the reviewer's current one is history, not the current label
    const newer = !current || !label.time || new Date(time).getTime() >= storedTime(current.createdAt);
    if (current && newer) this.s.retireLabel.run(current.id);
    const provenance = { format: "step-labels", file, line, reviewer: label.reviewer, time: label.time };
    this.s.insertLabel.run(target.traceId, target.stepId, userId, label.label, label.comment, target.revision, newer ? 1 : 0, STEP_LABELS_SOURCE, JSON.stringify(provenance), time, this.importId);
    this.counts.labels = (this.counts.labels ?? 0) + 1;
    return null;
  }

  image(name: string | null | undefined, fallbackSize?: { width: number; height: number } | null): ImageRow | null {
    if (!name) return null;
    const alias = this.images.get(name)?.alias;
    if (alias) return this.image(alias, fallbackSize);
    const cached = this.imageIds.get(name);
    if (cached) return cached;
    const resolved = this.images.get(name) ?? { stored: null, url: null, width: null, height: null };
    const stored = resolved.stored;
    const existing = this.datasetIsNew
      ? undefined
      : (this.s.selectImage.get(this.datasetId, name) as { id: number; width: number | null; height: number | null; path: string | null } | undefined);
    let entry: ImageRow;
    if (existing) {
      if (!existing.path && stored) {
        this.later(() => this.s.fillImage.run(stored.sha256, stored.path, stored.width, stored.height, stored.mime, existing.id));
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
      const info = this.s.insertImage.run(this.datasetId, name, stored?.sha256 ?? null, stored?.path ?? null, resolved.url, width, height, stored?.mime ?? null, this.importId);
      this.counts.images++;
      entry = { id: Number(info.lastInsertRowid), width, height };
      this.createdImages.add(entry.id);
    }
    this.imageIds.set(name, entry);
    return entry;
  }

  private writeImage(image: NormalizedImage): void {
    const row = this.image(image.name, image.width && image.height ? { width: image.width, height: image.height } : null);
    if (row && row.width === null && image.width && image.height) {
      const [width, height, id] = [image.width, image.height, row.id];
      if (this.createdImages.has(id)) this.s.sizeImage.run(width, height, id);
      else this.later(() => this.s.sizeImage.run(width, height, id));
      row.width = image.width;
      row.height = image.height;
    }
  }

  private writeScene(scene: NormalizedScene): void {
    const index = scene.info?.image_index;
    if (typeof index === "number") this.sceneByIndex.set(index, scene.name);
    if (!this.datasetIsNew && this.s.selectScene.get(this.datasetId, scene.name)) {
      this.duplicates++;
      return;
    }
    if (this.sceneIds.get(scene.name)) {
      this.duplicates++;
      return;
    }
    const image = this.image(scene.image, scene.kind === "clevr" ? CLEVR_DEFAULT_SIZE : undefined);
    const info = this.s.insertScene.run(this.datasetId, image?.id ?? null, scene.name, scene.kind, json(scene.relationships), json(scene.directions), json(scene.info), this.importId);
    const sceneId = Number(info.lastInsertRowid);
    this.sceneIds.set(scene.name, sceneId);
    this.counts.scenes++;
    for (const o of scene.objects) {
      this.s.insertObject.run(sceneId, o.index, o.color ?? null, o.size ?? null, o.shape ?? null, o.material ?? null,
        o.coords3d?.[0] ?? null, o.coords3d?.[1] ?? null, o.coords3d?.[2] ?? null,
        o.pixel?.[0] ?? null, o.pixel?.[1] ?? null, o.pixel?.[2] ?? null, o.rotation ?? null, json(o.extra));
      if (image && o.pixel && o.size && o.shape) {
        const [x, y, w, h] = deriveBox(o.pixel, o.size, o.shape, image.width ?? CLEVR_DEFAULT_SIZE.width);
        this.s.insertBox.run(image.id, "derived", `${o.size} ${o.color} ${o.material} ${o.shape}`, o.index, x, y, w, h, null, this.importId);
        this.counts.boxes++;
      }
    }
    if (image) this.sceneObjects.delete(image.id);
  }

  /** The image file name of the scene with this image_index (masks name images that way). */
  sceneImageByIndex(index: number): string | null {
    if (this.sceneByIndex.has(index)) return this.sceneByIndex.get(index) ?? null;
    const row = this.s.selectSceneByIndex.get(this.datasetId, index) as { name: string } | undefined;
    this.sceneByIndex.set(index, row?.name ?? null);
    return row?.name ?? null;
  }

  private objectsOf(imageId: number): Array<{ index: number; px: number; py: number }> {
    let objects = this.sceneObjects.get(imageId);
    if (!objects) {
      objects = this.s.selectSceneObjects.all(imageId) as Array<{ index: number; px: number; py: number }>;
      this.sceneObjects.set(imageId, objects);
    }
    return objects;
  }

  private writeBox(box: NormalizedBox): void {
    const name =
      box.image ??
      (box.imageIndex !== undefined && box.imageIndex !== null ? this.sceneImageByIndex(box.imageIndex) : null) ??
      (box.cocoImageId !== undefined && box.cocoImageId !== null ? (this.cocoImages.get(box.cocoImageId) ?? null) : null);
    const image = this.image(name);
    if (!image) return;
    const converted = box.convention && box.convention !== "xywh" ? toPixelBox(box.box, box.convention, image.width && image.height ? { width: image.width, height: image.height } : null) : { ok: true as const, box: box.box };
    // pass 1 checked that the size is known; a failure here means the stored image has none
    if (!converted.ok) return;
    const [x, y, w, h] = converted.box;
    // looked up even in a new dataset: the same box often arrives twice (conventions, files)
    if (this.s.selectBox.get(image.id, box.source, x, y, w, h)) {
      this.duplicates++;
      return;
    }
    let objectIndex = box.objectIndex ?? null;
    if (objectIndex === null && box.matchObject) objectIndex = matchObject(this.objectsOf(image.id), [x, y, w, h]);
    this.s.insertBox.run(image.id, box.source, box.label ?? null, objectIndex, x, y, w, h, box.score ?? null, this.importId);
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
  finish(): void {
    for (const change of this.deferred.splice(0)) change();
    for (const imageId of this.labelledImages) {
      if (this.s.sceneOfImage.get(this.datasetId, imageId)) continue;
      const boxes = this.s.labelledBoxes.all(imageId) as Array<{ id: number; source: string; label: string }>;
      const truth = boxes.filter((b) => b.source === "ground_truth");
      const chosen = truth.length ? truth : boxes.filter((b) => b.source.startsWith("detector:"));
      if (!chosen.length) continue;
      const image = this.s.imageName.get(imageId) as { name: string };
      const name = `${image.name}#boxes`;
      if (this.s.selectScene.get(this.datasetId, name)) continue;
      const info = this.s.insertScene.run(this.datasetId, imageId, name, "boxes", "{}", null, JSON.stringify({ source: chosen[0].source }), this.importId);
      const sceneId = Number(info.lastInsertRowid);
      chosen.forEach((b, index) => {
        this.s.insertObject.run(sceneId, index, null, null, null, null, null, null, null, null, null, null, null, JSON.stringify({ ...splitLabel(b.label), source: b.source }));
        this.s.setBoxObject.run(index, b.id);
      });
      this.s.linkTraces.run(sceneId, this.datasetId, imageId);
      this.sceneIds.set(name, sceneId);
      this.counts.scenes++;
    }
  }

  private writeQuestion(question: NormalizedQuestion): void {
    if (this.questionIds.has(`id\u0000${question.externalId}`) || (!this.datasetIsNew && this.s.selectQuestionByExternal.get(this.datasetId, question.externalId))) {
      this.duplicates++;
      return;
    }
    const image = this.image(question.image);
    const info = this.s.insertQuestion.run(this.datasetId, image?.id ?? null, question.externalId, question.text, question.answer, json(question.program), question.source, question.answerUnreliable ?? null, this.importId);
    const id = Number(info.lastInsertRowid);
    this.tagRelations(id, question.text, question.program);
    this.questionIds.set(`id\u0000${question.externalId}`, id);
    this.questionIds.set(`${image?.id ?? ""}\u0000${question.text}`, id);
    this.counts.questions++;
  }

  private question(trace: NormalizedTrace, imageId: number | null): number {
    const key = `${imageId ?? ""}\u0000${trace.question}`;
    const cached = this.questionIds.get(key);
    if (cached) return cached;
    const existing = this.datasetIsNew ? undefined : (this.s.selectQuestionByText.get(this.datasetId, trace.question, imageId) as { id: number; answer: string | null; answerUnreliable: string | null } | undefined);
    // a trace without ground truth takes its question's (a scene graph's questions, docs/design.md §3)
    if (existing?.answer && (trace.answer === null || trace.answer === undefined)) this.questionAnswers.set(key, { answer: existing.answer, unreliable: existing.answerUnreliable });
    const id = existing
      ? existing.id
      : Number(this.s.insertQuestion.run(this.datasetId, imageId, null, trace.question, trace.answer, json(trace.program ?? null), trace.format, trace.answerUnreliable ?? null, this.importId).lastInsertRowid);
    if (!existing) {
      this.counts.questions++;
      this.tagRelations(id, trace.question, trace.program, trace.relations);
    }
    this.questionIds.set(key, id);
    return id;
  }

  /** Relation taxonomy tags (docs/design.md §9) from the question's text, program or explicit labels. */
  private tagRelations(questionId: number, text: string, program: unknown, labels?: string[]): void {
    for (const tag of tagQuestion({ text, program, labels })) this.s.insertRelation.run(questionId, tag.relation, tag.class);
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

  private stepInsert(rows: number): Database.Statement {
    let statement = this.stepInserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
      statement = prepare(this.handle, `INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs") VALUES ${values}`);
      this.stepInserts.set(rows, statement);
    }
    return statement;
  }

  private writeTrace(trace: NormalizedTrace, line: number, hash = contentHash(trace.raw)): Conflict | null {
    if (!this.datasetIsNew) {
      const existing = this.s.selectTrace.get(this.datasetId, trace.externalId) as { id: number; contentHash: string } | undefined;
      if (existing) {
        if (existing.contentHash === hash) {
          this.duplicates++;
          return null;
        }
        return { line, path: "$.id", error: `trace "${trace.externalId}" already exists in dataset "${this.datasetName}" with different content` };
      }
    }
    const named = this.scene(trace.scene ?? (trace.image ? (this.images.get(trace.image)?.alias ?? trace.image) : null));
    const image = this.image(trace.image, named ? CLEVR_DEFAULT_SIZE : undefined);
    // a photo's boxes scene ("<image>#boxes") when no scene has the image's name
    const sceneId = named ?? (image && !trace.scene ? ((this.s.sceneByImage.get(this.datasetId, image.id) as { id: number } | undefined)?.id ?? null) : null);
    const questionId = this.question(trace, image?.id ?? null);
    const fromQuestion = trace.answer === null || trace.answer === undefined ? this.questionAnswers.get(`${image?.id ?? ""}\u0000${trace.question}`) : undefined;
    const answer = trace.answer ?? fromQuestion?.answer ?? null;
    // a ground truth whose program the verifier fails is kept, flagged, and never used to check answers
    const unreliable = trace.answerUnreliable ?? fromQuestion?.unreliable ?? null;
    const decision = trace.labels?.findLast((l) => l.stepIndex === null)?.label ?? null;
    const info = this.s.insertTrace.run(this.datasetId, trace.externalId, questionId, image?.id ?? null, sceneId, trace.question, answer,
      trace.finalAnswer ?? null, trace.teacherModel ?? null, json(trace.teacherParams ?? null), trace.method, trace.format, hash, trace.raw, trace.steps.length, decision, unreliable, this.importId);
    const traceId = Number(info.lastInsertRowid);
    const firstStepId = this.writeSteps(traceId, trace.steps);
    this.counts.traces++;
    this.counts.steps += trace.steps.length;
    for (const label of trace.labels ?? []) {
      const stepId = label.stepIndex === null ? null : firstStepId + label.stepIndex;
      this.s.insertReview.run(traceId, stepId, this.user(label.source), label.label, label.source, JSON.stringify(label.provenance), this.importId);
    }
    return null;
  }

  /** Multi-row inserts; returns the id of the first step (ids of one statement are consecutive). */
  private writeSteps(traceId: number, steps: NormalizedStep[]): number {
    let first = -1;
    for (let start = 0; start < steps.length; start += STEP_BATCH) {
      const count = Math.min(STEP_BATCH, steps.length - start);
      const params: unknown[] = new Array(count * 9);
      for (let k = 0; k < count; k++) {
        const step = steps[start + k];
        const refs = stepRefs(step);
        const o = k * 9;
        params[o] = traceId;
        params[o + 1] = start + k;
        params[o + 2] = step.kind;
        params[o + 3] = step.text ?? null;
        params[o + 4] = step.tool ?? null;
        params[o + 5] = step.callId ?? null;
        params[o + 6] = step.args === undefined || step.args === null ? null : JSON.stringify(step.args);
        params[o + 7] = step.result === undefined ? null : JSON.stringify(step.result);
        params[o + 8] = refs.length ? JSON.stringify(refs) : null;
      }
      const info = this.stepInsert(count).run(...params);
      if (first < 0) first = Number(info.lastInsertRowid) - count + 1;
    }
    return first;
  }
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
