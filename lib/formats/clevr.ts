import { z } from "zod";
import { jsonPath } from "@/lib/formats/lines";
import { elementLines } from "@/lib/formats/json-lines";
import type { NormalizedQuestion, NormalizedScene, ReadItem, RecordError } from "@/lib/formats/types";
import type { FormatDefinition, ReadContext } from "@/lib/formats/reader";
import { jsonDocumentPieces } from "@/lib/formats/json-stream";
import { decodeUtf8, fileChunks, fileHead } from "@/lib/formats/source";
import { jsonRecords, parseJson } from "@/lib/formats/records";
import type { ProgramNode, ProgramQuestion } from "@/lib/teacher/program";
import { answerToText } from "@/lib/schemas/trace";

// CLEVR scene files ({"info", "scenes": [...]}) and question files with functional programs
// ({"info", "questions": [...]} or one question per JSONL line). Program nodes are keyed
// `function` or `type`; `_output` is optional.

const triple = z.tuple([z.number(), z.number(), z.number()]);

const clevrObject = z
  .object({
    color: z.string(),
    size: z.string(),
    shape: z.string(),
    material: z.string(),
    "3d_coords": triple.optional(),
    pixel_coords: triple.optional(),
    rotation: z.number().optional(),
  })
  .passthrough();

const clevrScene = z
  .object({
    image_filename: z.string().min(1),
    image_index: z.number().int().optional(),
    split: z.string().optional(),
    objects: z.array(clevrObject),
    relationships: z.record(z.string(), z.array(z.array(z.number().int().nonnegative()))).optional(),
    directions: z.record(z.string(), z.array(z.number())).optional(),
  })
  .passthrough();

const clevrScenesDocument = z.object({ info: z.record(z.string(), z.unknown()).optional(), scenes: z.array(z.unknown()) }).passthrough();

export function parseClevrScenes(text: string, document: unknown): { scenes: Array<{ line: number; value: NormalizedScene }>; errors: RecordError[] } {
  const doc = clevrScenesDocument.safeParse(document);
  if (!doc.success) return { scenes: [], errors: [{ line: 1, path: "$", error: 'expected a CLEVR scenes document {"info", "scenes": [...]}' }] };
  const lines = elementLines(text, "scenes");
  const scenes: Array<{ line: number; value: NormalizedScene }> = [];
  const errors: RecordError[] = [];
  doc.data.scenes.forEach((raw, i) => {
    const line = lines[i] ?? 1;
    const parsed = normalizeClevrScene(raw, i);
    if (parsed.ok) scenes.push({ line, value: parsed.value });
    else for (const e of parsed.errors) errors.push({ line, ...e });
  });
  return { scenes, errors };
}

/** One element of a scenes file's `scenes` array → a normalized scene (path relative to the file). */
export function normalizeClevrScene(raw: unknown, i: number): { ok: true; value: NormalizedScene } | { ok: false; errors: Array<{ path: string; error: string }> } {
  const parsed = clevrScene.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((issue) => ({ path: jsonPath(["scenes", i, ...issue.path]), error: issue.message })) };
  const scene = parsed.data;
  const count = scene.objects.length;
  const badRelation = Object.entries(scene.relationships ?? {}).find(([, table]) => table.length !== count || table.some((row) => row.some((j) => j >= count)));
  if (badRelation) {
    return { ok: false, errors: [{ path: jsonPath(["scenes", i, "relationships", badRelation[0]]), error: `must list, for each of the ${count} objects, indices below ${count}` }] };
  }
  return {
    ok: true,
    value: {
      name: scene.image_filename,
      image: scene.image_filename,
      kind: "clevr",
      objects: scene.objects.map((o, index) => {
        const { color, size, shape, material, rotation, pixel_coords, ...rest } = o;
        const coords3d = o["3d_coords"] ?? null;
        const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== "3d_coords"));
        return { index, color, size, shape, material, coords3d, pixel: pixel_coords ?? null, rotation: rotation ?? null, extra: Object.keys(extra).length ? extra : null };
      }),
      relationships: scene.relationships ?? null,
      directions: scene.directions ?? null,
      info: { split: scene.split ?? null, image_index: scene.image_index ?? null },
    },
  };
}

function* readClevrScenes(context: ReadContext): Generator<ReadItem> {
  let scenes = 0;
  for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (key) => key === "scenes" })) {
    if (piece.kind === "error") {
      yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
      continue;
    }
    if (piece.kind !== "element") continue;
    scenes++;
    const value = parsePiece(piece.bytes);
    if (!value.ok) {
      yield { type: "error", line: piece.line, path: `$.scenes[${piece.index}]`, error: value.error };
      continue;
    }
    const parsed = normalizeClevrScene(value.value, piece.index);
    if (parsed.ok) yield { type: "scene", line: piece.line, value: parsed.value };
    else for (const e of parsed.errors) yield { type: "error", line: piece.line, ...e };
  }
  if (scenes === 0 && !context.trusted) yield { type: "warning", line: 1, message: 'no scenes found (expected {"info", "scenes": [...]})' };
}

export function parsePiece(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  const text = decodeUtf8(bytes);
  return text === null ? { ok: false, error: "not valid UTF-8" } : parseJson(text);
}

const programNode = z
  .object({
    function: z.string().optional(),
    type: z.string().optional(),
    inputs: z.array(z.number().int()).default([]),
    value_inputs: z.array(z.string()).optional(),
    side_inputs: z.array(z.string()).optional(),
    _output: z.unknown().optional(),
  })
  .passthrough()
  .refine((n) => Boolean(n.function ?? n.type), { message: "program node needs `function` or `type`" });

const clevrQuestion = z
  .object({
    question: z.union([z.string(), z.array(z.string()).min(1)]),
    image_filename: z.string().min(1, "expected the image file name"),
    image_index: z.number().int().optional(),
    question_index: z.number().int().optional(),
    source_question_index: z.number().int().optional(),
    answer: z.unknown().optional(),
    program: z.array(programNode).optional(),
    template_filename: z.string().optional(),
  })
  .passthrough();

/** A CLEVR question record → program question. Answers that are not scalars (too_clevr scene answers) become null. */
export function parseClevrQuestion(value: unknown, fallbackId: string): { ok: true; value: NormalizedQuestion & { programQuestion: ProgramQuestion | null } } | { ok: false; errors: Array<{ path: string; error: string }> } {
  const parsed = clevrQuestion.safeParse(value);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => ({ path: jsonPath(i.path), error: i.message })) };
  const q = parsed.data;
  const text = Array.isArray(q.question) ? q.question[0] : q.question;
  const scalar = typeof q.answer === "string" || typeof q.answer === "number" || typeof q.answer === "boolean";
  const answer = scalar ? answerToText(q.answer as string | number | boolean) : null;
  const index = q.question_index ?? q.source_question_index;
  const externalId = `${q.image_filename.replace(/\.[a-z]+$/i, "")}-q${index ?? fallbackId}${q.template_filename ? `-${q.template_filename.replace(/\.json$/, "")}` : ""}`;
  const program = (q.program ?? null) as ProgramNode[] | null;
  return {
    ok: true,
    value: {
      externalId,
      image: q.image_filename,
      text,
      answer,
      program,
      source: "clevr",
      programQuestion: program ? { id: externalId, image: q.image_filename, question: text, answer: scalar ? (q.answer as string | number | boolean) : null, program } : null,
    },
  };
}

/**
 * too_clevr multi-image questions ({"image_filenames": [...], "answers": [...], "program": [[...], ...]})
 * become one question per image, as the flattened files have them.
 */
export function flattenClevrQuestion(value: unknown): Array<{ value: unknown; image: number | null }> {
  if (typeof value !== "object" || value === null || !("image_filenames" in value)) return [{ value, image: null }];
  const q = value as Record<string, unknown>;
  const images = q.image_filenames;
  if (!Array.isArray(images)) return [{ value, image: null }];
  const { image_filenames: _files, image_indices: indices, answers, program, ...rest } = q;
  return images.map((image, j) => ({
    image: j,
    value: {
      ...rest,
      image_filename: image,
      image_index: Array.isArray(indices) ? indices[j] : undefined,
      answer: Array.isArray(answers) ? answers[j] : undefined,
      program: Array.isArray(program) && Array.isArray(program[j]) ? program[j] : program,
    },
  }));
}

/** Maps a path inside a flattened question back to the multi-image record it came from. */
function originalPath(path: string, prefix: string, image: number | null): string {
  const rest = path.replace(/^\$/, "");
  if (image === null) return prefix + rest;
  return prefix + rest
    .replace(/^\.image_filename\b/, `.image_filenames[${image}]`)
    .replace(/^\.image_index\b/, `.image_indices[${image}]`)
    .replace(/^\.answer\b/, `.answers[${image}]`)
    .replace(/^\.program\b/, `.program[${image}]`);
}

function* questionItems(value: unknown, line: number, fallbackId: string, prefix: string): Generator<ReadItem> {
  for (const { value: single, image } of flattenClevrQuestion(value)) {
    const parsed = parseClevrQuestion(single, fallbackId);
    if (!parsed.ok) {
      for (const e of parsed.errors) yield { type: "error", line, path: originalPath(e.path, prefix, image), error: e.error };
      continue;
    }
    const { programQuestion: _programQuestion, ...question } = parsed.value;
    yield { type: "question", line, value: question };
  }
}

function* readClevrQuestions(context: ReadContext): Generator<ReadItem> {
  const head = fileHead(context.file, 4096).toString("utf8");
  if (/^\s*\{/.test(head) && /"questions"\s*:/.test(head)) {
    for (const piece of jsonDocumentPieces(fileChunks(context.file, context.progress), { stream: (key) => key === "questions" })) {
      if (piece.kind === "error") {
        yield { type: "error", line: piece.line, path: piece.path, error: piece.error };
        continue;
      }
      if (piece.kind !== "element") continue;
      const value = parsePiece(piece.bytes);
      if (!value.ok) yield { type: "error", line: piece.line, path: `$.questions[${piece.index}]`, error: value.error };
      else yield* questionItems(value.value, piece.line, String(piece.index), `$.questions[${piece.index}]`);
    }
    return;
  }
  for (const record of jsonRecords(context.file, context.progress)) {
    if ("error" in record) yield { type: "error", ...record };
    else yield* questionItems(record.value, record.line, String(record.line), "$");
  }
}

const isQuestionRecord = (value: unknown) =>
  typeof value === "object" && value !== null && "question" in value && ("image_filename" in value || "image_filenames" in value) && !("steps" in value);

export const clevrScenesFormat: FormatDefinition = {
  name: "clevr-scenes",
  summary: 'CLEVR scene files {"info", "scenes": [...]} (objects, pixel_coords, relationships); boxes are derived',
  detect: ({ head }) => /^\s*\{/.test(head) && /"scenes"\s*:\s*\[/.test(head) && !/"questions"\s*:/.test(head.slice(0, 2000)),
  read: readClevrScenes,
};

export const clevrQuestionsFormat: FormatDefinition = {
  name: "clevr-questions",
  summary: 'CLEVR question files {"questions": [...]} or JSONL, with functional programs (node key function or type)',
  detect: ({ head, firstValue }) => (/^\s*\{/.test(head) && /"questions"\s*:\s*\[/.test(head)) || isQuestionRecord(firstValue),
  read: readClevrQuestions,
};
