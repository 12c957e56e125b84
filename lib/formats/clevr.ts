import { z } from "zod";
import { jsonPath } from "@/lib/formats/lines";
import { elementLines } from "@/lib/formats/json-lines";
import type { NormalizedQuestion, NormalizedScene, RecordError } from "@/lib/formats/types";
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

export const clevrScenesDocument = z.object({ info: z.record(z.string(), z.unknown()).optional(), scenes: z.array(z.unknown()) }).passthrough();

export function isClevrScenesDocument(value: unknown): boolean {
  return clevrScenesDocument.safeParse(value).success && Array.isArray((value as { scenes: unknown[] }).scenes);
}

export function parseClevrScenes(text: string, document: unknown): { scenes: Array<{ line: number; value: NormalizedScene }>; errors: RecordError[] } {
  const doc = clevrScenesDocument.safeParse(document);
  if (!doc.success) return { scenes: [], errors: [{ line: 1, path: "$", error: 'expected a CLEVR scenes document {"info", "scenes": [...]}' }] };
  const lines = elementLines(text, "scenes");
  const scenes: Array<{ line: number; value: NormalizedScene }> = [];
  const errors: RecordError[] = [];
  doc.data.scenes.forEach((raw, i) => {
    const line = lines[i] ?? 1;
    const parsed = clevrScene.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line, path: jsonPath(["scenes", i, ...issue.path]), error: issue.message });
      return;
    }
    const scene = parsed.data;
    const count = scene.objects.length;
    const badRelation = Object.entries(scene.relationships ?? {}).find(([, table]) => table.length !== count || table.some((row) => row.some((j) => j >= count)));
    if (badRelation) {
      errors.push({ line, path: jsonPath(["scenes", i, "relationships", badRelation[0]]), error: `must list, for each of the ${count} objects, indices below ${count}` });
      return;
    }
    scenes.push({
      line,
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
    });
  });
  return { scenes, errors };
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
    image_filename: z.string().min(1),
    image_index: z.number().int().optional(),
    question_index: z.number().int().optional(),
    source_question_index: z.number().int().optional(),
    answer: z.unknown().optional(),
    program: z.array(programNode).optional(),
    template_filename: z.string().optional(),
  })
  .passthrough();

export function isClevrQuestion(value: unknown): boolean {
  return typeof value === "object" && value !== null && "image_filename" in value && "question" in value && !("steps" in value);
}

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
