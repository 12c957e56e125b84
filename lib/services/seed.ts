import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { normalizeCanonical } from "@/lib/formats/canonical";
import { parseClevrQuestion, parseClevrScenes } from "@/lib/formats/clevr";
import { readLines } from "@/lib/formats/lines";
import { importFiles, importRecords, type ImportSummary, type SourcedRecord } from "@/lib/services/imports";
import { toolSceneFromNormalized } from "@/lib/services/scenes";
import { convertProgram } from "@/lib/teacher/program";

// Demo data shipped in prisma/demo (attribution in prisma/demo/*/SOURCE.txt):
// - clevr-demo: the 5 official CLEVR v1.0 images + scenes, and one trace per CLEVR-engine question
//   with a program, converted into canonical tool calls by the program teacher;
// - visprog-gqa: 100 real VisProg traces on GQA questions with human verdicts, 6 of the images.

export const DEMO_DIR = path.resolve(process.cwd(), "prisma/demo");

export interface SeedSummary {
  seeded: boolean;
  imports: ImportSummary[];
  warnings: string[];
}

export async function isDatabaseEmpty(): Promise<boolean> {
  return (await db().dataset.count()) === 0;
}

export async function seedDemo(options: { force?: boolean; demoDir?: string } = {}): Promise<SeedSummary> {
  if (!options.force && !(await isDatabaseEmpty())) return { seeded: false, imports: [], warnings: [] };
  const dir = options.demoDir ?? DEMO_DIR;
  const clevrDir = path.join(dir, "clevr");
  const scenesFile = path.join(clevrDir, "CLEVR_train_scenes_subset5.json");
  const questionsFile = path.join(clevrDir, "clevr_questions_single_image_flattened.jsonl");

  const sceneText = fs.readFileSync(scenesFile, "utf8");
  const { scenes } = parseClevrScenes(sceneText, JSON.parse(sceneText));
  const toolScenes = new Map(scenes.map(({ value }) => [value.name, toolSceneFromNormalized(value)]));
  const records: SourcedRecord[] = [];
  const warnings: string[] = [];
  for await (const line of readLines(questionsFile)) {
    if ("error" in line || !line.text.trim()) continue;
    const question = parseClevrQuestion(JSON.parse(line.text), String(line.line));
    if (!question.ok || !question.value.programQuestion) continue;
    const scene = toolScenes.get(question.value.image);
    if (!scene) continue;
    const { trace, warnings: conversionWarnings } = convertProgram(question.value.programQuestion, scene);
    warnings.push(...conversionWarnings.map((w) => `${path.basename(questionsFile)}:${line.line}: ${w}`));
    const normalized = normalizeCanonical(trace, JSON.stringify(trace));
    if (!normalized.ok) throw new Error(`demo trace ${trace.id}: ${normalized.errors.map((e) => `${e.path} ${e.error}`).join("; ")}`);
    records.push({ type: "trace", line: line.line, file: questionsFile, value: normalized.value });
  }
  // Traces are built before anything is written, so a conversion error leaves the database empty.
  const imports: ImportSummary[] = [];
  imports.push(await importFiles({ files: [scenesFile], dataset: "clevr-demo", imagesDir: clevrDir }));
  imports.push(await importRecords({ dataset: "clevr-demo", records, imagesDirs: [clevrDir] }));

  const visprogDir = path.join(dir, "visprog");
  imports.push(await importFiles({
    files: [path.join(visprogDir, "visprog_gqa100_traces_nohtml.jsonl")],
    dataset: "visprog-gqa",
    imagesDir: path.join(visprogDir, "images"),
    format: "visprog",
  }));
  return { seeded: true, imports, warnings };
}
