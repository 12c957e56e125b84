import fs from "node:fs";
import path from "node:path";
import { defineCommand, table } from "@/lib/cli/command";
import { ENDPOINT_OPTIONS, renderGeneration, runEndpointGeneration } from "@/lib/cli/commands/generate-endpoint";
import type { GenerationSummary } from "@/lib/services/generate/generation";
import { AppError } from "@/lib/errors";
import { parseClevrScenes } from "@/lib/formats/clevr";
import { templateQuestionLines } from "@/lib/services/generate/template-questions";
import { toolSceneFromNormalized } from "@/lib/services/traces/scenes";
import { corpusByScene, DEFAULT_RATES, FAULT_TYPES, GENERATION_METHODS, ORACLE_RATES, type FaultRates, type GenerationMethod } from "@/lib/teacher/scripted";

// `stepwise generate`: the scripted teacher over your own CLEVR scenes — template questions per
// scene, traces by the papers' generation methods, faults injected at the chosen rates — written as
// canonical stepwise.trace/v1 JSON lines (each trace's injected faults in its meta) ready for
// `stepwise import`. A test corpus with known errors for a verifier config. Deterministic: the same
// scenes and options give a byte-identical file; the file appears whole or not at all.

const RATE_PRESETS: Record<string, FaultRates> = { default: DEFAULT_RATES, oracle: ORACLE_RATES, none: {} };

export interface GenerateSummary {
  out: string;
  /** Where the template questions went (--questions-out). */
  questionsOut?: string;
  scenes: number;
  questions: number;
  traces: number;
  steps: number;
  methods: GenerationMethod[];
  faults: Record<string, number>;
}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new AppError("invalid_input", `--${name} must be a positive integer (got "${raw}")`);
  return value;
}

function parseMethods(raw: string | undefined): GenerationMethod[] {
  if (raw === undefined) return [...GENERATION_METHODS];
  const methods = raw.split(",").map((m) => m.trim()).filter(Boolean);
  const unknown = methods.filter((m) => !(GENERATION_METHODS as readonly string[]).includes(m));
  if (unknown.length || methods.length === 0) throw new AppError("invalid_input", `--methods takes a comma-separated list of ${GENERATION_METHODS.join(", ")} (got "${raw}")`);
  return [...new Set(methods)] as GenerationMethod[];
}

function parseSeeds(raw: string | undefined): number[] {
  if (raw === undefined) return [1];
  const parts = raw.split(",").map((s) => s.trim());
  const seeds = parts.map(Number);
  if (parts.some((s) => s === "") || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new AppError("invalid_input", `--seeds takes comma-separated non-negative integers (got "${raw}")`);
  return seeds;
}

/** A preset name, or a single rate applied to every fault type (0–1). */
function parseRates(raw: string | undefined): FaultRates {
  if (raw === undefined) return DEFAULT_RATES;
  if (RATE_PRESETS[raw]) return RATE_PRESETS[raw];
  const rate = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new AppError("invalid_input", `--faults must be ${Object.keys(RATE_PRESETS).join(", ")} or a rate between 0 and 1 per fault type (got "${raw}")`);
  return Object.fromEntries(FAULT_TYPES.map((type) => [type, rate]));
}

export default defineCommand({
  name: "generate",
  summary: "Generate traces with a teacher model on an OpenAI-compatible endpoint (a persisted, resumable job), or a scripted-teacher corpus",
  usage: [
    "stepwise generate --dataset NAME (--questions FILE | --from-dataset NAME) --endpoint URL --model M [--api-key-env VAR] [--method direct|final-answer|step-level|best-of-n] [--k N] [--samples N] [--concurrency C] [--max-turns T] [--token-budget N] [--temperature X] [--max-tokens N] [--timeout-ms MS] [--rpm N] [--tpm N] [--limit N] [--no-image] [--resume JOB] [--json]",
    "       stepwise generate --resume JOB [--json]",
    "       stepwise generate --scenes SCENES.json --questions-out QUESTIONS.jsonl [--questions-per-scene N]   (template questions as a canonical question file, for --questions)",
    "       stepwise generate --scenes SCENES.json --out TRACES.jsonl [--questions-per-scene N] [--methods direct,final-answer,step-level] [--seeds 1,2] [--faults default|oracle|none|RATE] [--json]   (scripted corpus, offline)",
  ].join("\n"),
  options: {
    ...ENDPOINT_OPTIONS,
    scenes: { type: "string" },
    out: { type: "string" },
    "questions-out": { type: "string" },
    "questions-per-scene": { type: "string" },
    methods: { type: "string" },
    seeds: { type: "string" },
    faults: { type: "string" },
  },
  needsDatabase: false,
  run: async (context): Promise<GenerateSummary | GenerationSummary> => {
    const { values, progress } = context;
    if (values.endpoint !== undefined || values.resume !== undefined || values.dataset !== undefined) {
      if (values.scenes !== undefined || values.out !== undefined) throw new AppError("invalid_input", "--scenes/--out (scripted corpus) and --dataset/--endpoint (endpoint generation) are two modes; use one");
      return runEndpointGeneration(context);
    }
    const scenesFile = values.scenes as string | undefined;
    const out = values.out as string | undefined;
    const questionsOut = values["questions-out"] as string | undefined;
    if (!scenesFile) throw new AppError("invalid_input", "--scenes FILE is required (a CLEVR scenes JSON file)");
    if (!out && !questionsOut) throw new AppError("invalid_input", "--out FILE (the traces) or --questions-out FILE (template questions) is required");
    const perScene = positiveInteger(values["questions-per-scene"] as string | undefined, "questions-per-scene", 3);
    const methods = parseMethods(values.methods as string | undefined);
    const seeds = parseSeeds(values.seeds as string | undefined);
    const rates = parseRates(values.faults as string | undefined);

    let text: string;
    try {
      text = fs.readFileSync(scenesFile, "utf8");
    } catch (error) {
      throw new AppError("invalid_input", `${scenesFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new AppError("invalid_input", `${scenesFile}: not JSON (${(error as Error).message})`, [{ file: scenesFile, line: 1, path: "$", error: "expected a CLEVR scenes document" }]);
    }
    const parsed = parseClevrScenes(text, document);
    if (parsed.errors.length) {
      const details = parsed.errors.map((e) => ({ file: scenesFile, line: e.line, path: e.path, error: e.error }));
      throw new AppError("invalid_input", `${scenesFile}: ${details.length} invalid scene field(s); nothing written`, details);
    }
    if (parsed.scenes.length === 0) throw new AppError("invalid_input", `${scenesFile}: the file has no scenes`);

    if (questionsOut) {
      const scenes = parsed.scenes.map(({ value }) => toolSceneFromNormalized(value));
      const questionLines = templateQuestionLines(scenes, perScene, seeds[0] === 1 ? 7 : seeds[0]);
      writeWhole(questionsOut, questionLines);
      if (!out) return { out: "", questionsOut: path.resolve(questionsOut), scenes: scenes.length, questions: questionLines.length, traces: 0, steps: 0, methods: [], faults: {} };
    }
    const summary: GenerateSummary = { out: path.resolve(out!), ...(questionsOut ? { questionsOut: path.resolve(questionsOut) } : {}), scenes: parsed.scenes.length, questions: 0, traces: 0, steps: 0, methods, faults: {} };
    const lines: string[] = [];
    const scenes = parsed.scenes.map(({ value }) => toolSceneFromNormalized(value));
    for (const { index, questions, traces } of corpusByScene({ scenes, questionsPerScene: perScene, seeds, methods, rates })) {
      summary.questions += questions.length;
      for (const { trace, faults } of traces) {
        lines.push(JSON.stringify(trace));
        summary.traces++;
        summary.steps += trace.steps.length;
        for (const fault of faults) summary.faults[fault.type] = (summary.faults[fault.type] ?? 0) + 1;
      }
      if ((index + 1) % 100 === 0) progress(`${index + 1}/${scenes.length} scenes, ${summary.traces} traces`);
    }
    writeWhole(out!, lines);
    return summary;
  },
  exitCode: (s) => ("job" in s ? (s.status === "done" && s.failed === 0 ? 0 : 1) : 0),
  render: (result) =>
    "job" in result ? renderGeneration(result) : renderCorpus(result),
});

/** Whole or nothing: written next to the target, then renamed over it. */
function writeWhole(file: string, lines: string[]): void {
  const target = path.resolve(file);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(temporary, lines.length ? `${lines.join("\n")}\n` : "");
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new AppError("invalid_input", `${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function renderCorpus(s: GenerateSummary): string {
  if (!s.out && s.questionsOut) return `${s.questions} template questions over ${s.scenes} scenes → ${s.questionsOut}\n\ngenerate traces with: npm run stepwise -- generate --dataset NAME --questions ${path.basename(s.questionsOut)} --endpoint URL --model M`;
  return [
      `${s.traces} traces (${s.steps} steps) from ${s.questions} questions over ${s.scenes} scenes, methods ${s.methods.join(", ")} → ${s.out}`,
      "",
      Object.keys(s.faults).length ? table(["injected fault", "count"], Object.entries(s.faults).sort().map(([type, n]) => [type, n])) : "no faults injected",
      "",
      `import with: npm run stepwise -- import SCENES.json ${path.basename(s.out)} --dataset NAME --images DIR`,
  ].join("\n");
}
