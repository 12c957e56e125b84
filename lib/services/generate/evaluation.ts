import path from "node:path";
import { z } from "zod";
import { db } from "@/lib/db";
import { sql } from "@/lib/db/sql";
import { AppError, parseOrInvalid } from "@/lib/errors";
import { imageKey, splitOf } from "@/lib/formats/export/split";
import { createJob, defineJobKind, getJob, mapConcurrent } from "@/lib/jobs/jobs";
import type { JobRow } from "@/lib/jobs/types";
import { endpointConfig } from "@/lib/schemas/endpoint";
import { SPLITS } from "@/lib/schemas/exports";
import { builtinTeacher } from "@/lib/schemas/generation";
import { BUILTIN_BASE_URL, BUILTIN_MODEL } from "@/lib/services/generate/builtin-teacher";
import { liveEndpoint, preflightEndpoint } from "@/lib/services/generate/generation";
import { imagesRoot } from "@/lib/services/import/image-store";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { getVerifierConfig } from "@/lib/services/verify/verifier-configs";
import { classesOf, tagQuestion } from "@/lib/taxonomy";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { imagePart } from "@/lib/teacher/endpoint/image";
import { generateForQuestion } from "@/lib/teacher/runner/methods";
import { toVerifyStep } from "@/lib/teacher/scripted";
import { toolJsonSchemas } from "@/lib/tools/registry";
import { verifyTrace } from "@/lib/verifier/verify";

// Evaluating a student (the paper's Table 2, docs/generation.md): an "evaluation" job runs a model
// on an endpoint — the fine-tuned student, and optionally a baseline — over a dataset's split of
// questions through the same tool loop (direct, one sample), verifies each trace with the default
// verifier config, and reports accuracy, reasoning-step completeness and tool-call accuracy per
// relation class, next to the teacher's (the dataset's own traces of the same questions, as the
// latest verifier run scored them). The split is the export's: a pure function of the image and
// the seed, so `--split test` is the same images an export with that seed put in test.

export const EVALUATION_KIND = "evaluation";

const modelSpec = z.object({ endpoint: endpointConfig, builtin: builtinTeacher.nullable().default(null) }).strict();

export const evaluationConfig = z
  .object({
    dataset: z.string().min(1).max(200),
    split: z.enum([...SPLITS, "all"]),
    seed: z.number().int().min(0).default(0),
    ratios: z.object({ train: z.number(), validation: z.number(), test: z.number() }).default({ train: 0.8, validation: 0.1, test: 0.1 }),
    questionIds: z.array(z.number().int().positive()).min(1),
    sceneIds: z.array(z.number().int().nonnegative()),
    student: modelSpec,
    baseline: modelSpec.nullable().default(null),
    concurrency: z.number().int().min(1).max(1024).default(8),
    maxTurns: z.number().int().min(1).max(200).default(16),
    sendImage: z.boolean().default(true),
  })
  .strict();
export type EvaluationConfig = z.output<typeof evaluationConfig>;

/** What one question gave one model (stored as the item's result). */
interface ItemScore {
  correct: boolean | null;
  valid: boolean;
  quality: number;
  completeness: number | null;
  calls: number;
  accurateCalls: number;
  classes: string[];
}

export interface ModelScores {
  role: "student" | "teacher" | "baseline";
  model: string;
  questions: number;
  /** Final answer correct, over questions with a known answer. */
  accuracy: number | null;
  /** Mean share of the question's program covered by the reasoning steps. */
  stepCompleteness: number | null;
  /** Tool calls whose call and result pass the verifier, over all calls. */
  toolCallAccuracy: number | null;
  validRatio: number | null;
  avgQuality: number | null;
  byClass: Record<string, { questions: number; accuracy: number | null; stepCompleteness: number | null; toolCallAccuracy: number | null }>;
}

export interface EvaluationReport {
  job: number;
  status: string;
  dataset: string;
  split: string;
  questions: number;
  failed: number;
  models: ModelScores[];
  requests: number;
  retries: number;
  tokens: { prompt: number; completion: number };
  seconds: number;
}

function aggregate(scores: ItemScore[]): Omit<ModelScores, "role" | "model" | "byClass"> {
  const answered = scores.filter((s) => s.correct !== null);
  const complete = scores.filter((s) => s.completeness !== null);
  const calls = scores.reduce((n, s) => n + s.calls, 0);
  return {
    questions: scores.length,
    accuracy: answered.length ? answered.filter((s) => s.correct).length / answered.length : null,
    stepCompleteness: complete.length ? complete.reduce((n, s) => n + (s.completeness ?? 0), 0) / complete.length : null,
    toolCallAccuracy: calls ? scores.reduce((n, s) => n + s.accurateCalls, 0) / calls : null,
    validRatio: scores.length ? scores.filter((s) => s.valid).length / scores.length : null,
    avgQuality: scores.length ? scores.reduce((n, s) => n + s.quality, 0) / scores.length : null,
  };
}

function scoresOf(role: ModelScores["role"], model: string, scores: ItemScore[]): ModelScores {
  const classes = [...new Set(scores.flatMap((s) => (s.classes.length ? s.classes : ["none"])))].sort();
  const byClass: ModelScores["byClass"] = {};
  for (const cls of classes) {
    const a = aggregate(scores.filter((s) => (s.classes.length ? s.classes.includes(cls) : cls === "none")));
    byClass[cls] = { questions: a.questions, accuracy: a.accuracy, stepCompleteness: a.stepCompleteness, toolCallAccuracy: a.toolCallAccuracy };
  }
  return { role, model, ...aggregate(scores), byClass };
}

interface QuestionRow {
  id: number;
  text: string;
  answer: string | null;
  program: string | null;
  image: string | null;
  sha256: string | null;
  imagePath: string | null;
  imageUrl: string | null;
  mime: string | null;
  sceneId: number | null;
}

/** Whole-number ids inlined into an IN list. */
const idList = (ids: readonly number[]): string => ids.map((id) => Math.trunc(id)).join(",");

async function questionRows(ids: number[] | null, datasetId?: number): Promise<QuestionRow[]> {
  const q = await sql();
  const select = `SELECT q."id", q."text", q."answer", q."program", i."name" AS image, i."sha256" AS sha256, i."path" AS imagePath, i."url" AS imageUrl, i."mime" AS mime,
    (SELECT s."id" FROM "Scene" s WHERE s."imageId" = i."id" ORDER BY s."id" DESC LIMIT 1) AS sceneId
    FROM "Question" q LEFT JOIN "Image" i ON i."id" = q."imageId"`;
  if (ids) return ids.length ? q.all<QuestionRow>(`${select} WHERE q."id" IN (${idList(ids)}) ORDER BY q."id"`) : [];
  return q.all<QuestionRow>(`${select} WHERE q."datasetId" = ? ORDER BY q."id"`, [datasetId ?? -1]);
}

const classesOfQuestion = (q: { text: string; program: string | null }) => classesOf(tagQuestion({ text: q.text, program: q.program ? (JSON.parse(q.program) as unknown) : undefined }));

export const evaluationKind = defineJobKind<EvaluationConfig>({
  kind: EVALUATION_KIND,
  parseConfig: (raw) => {
    return parseOrInvalid(evaluationConfig, raw, (p) => p || "config");
  },
  async run(ctx) {
    const config = ctx.config;
    const settings = (await getVerifierConfig()).settings;
    const rows = await questionRows(config.questionIds);
    const scenes = await loadToolScenes([...new Set(config.sceneIds.filter((id) => id > 0))]);
    const sceneOf = new Map(config.questionIds.map((id, i) => [id, config.sceneIds[i] ?? 0]));
    const tools = toolJsonSchemas();
    const roles = [{ role: "student" as const, spec: config.student }, ...(config.baseline ? [{ role: "baseline" as const, spec: config.baseline }] : [])];
    const clients = new Map<string, EndpointClient>();
    for (const { role, spec } of roles) clients.set(role, new EndpointClient(await liveEndpoint(spec)));
    const items = roles.flatMap(({ role }) => rows.map((q) => ({ role, q, key: `${role}:q${q.id}` })));
    await ctx.setTotal(items.length);
    const done = await ctx.doneKeys();
    const last = new Map([...clients].map(([role, c]) => [role, c.meter.snapshot()]));
    await mapConcurrent(
      items.filter((item) => !done.has(item.key)),
      config.concurrency,
      async ({ role, q, key }) => {
        await ctx.item(key, async () => {
          const scene = scenes.get(sceneOf.get(q.id) ?? 0);
          if (!scene) throw new Error(`question ${q.id} has no scene`);
          const client = clients.get(role)!;
          let part = null;
          try {
            part = config.sendImage ? imagePart({ file: q.imagePath ? path.join(imagesRoot(), q.imagePath) : null, url: q.imageUrl, mime: q.mime }) : null;
          } catch {
            part = null;
          }
          const program = q.program ? (JSON.parse(q.program) as unknown[]) : null;
          const question = { id: String(q.id), image: q.image, question: q.text, answer: q.answer, program };
          try {
            const generated = await generateForQuestion(question, { client, scene, tools, imagePart: part, method: "direct", k: 1, maxTurns: config.maxTurns, key: `eval-j${ctx.job.id}:${key}`, signal: ctx.signal });
            const result = verifyTrace({ steps: generated.trace.steps.map(toVerifyStep), scene, answer: q.answer, program: program ?? undefined }, settings);
            const score: ItemScore = { correct: q.answer === null ? null : result.finalCorrect === true, valid: result.valid, quality: result.quality, completeness: result.completeness, calls: result.calls, accurateCalls: result.accurateCalls, classes: classesOfQuestion(q) };
            ctx.count(`tokens.prompt`, generated.tokens.prompt);
            ctx.count(`tokens.completion`, generated.tokens.completion);
            return { ref: JSON.stringify(score) };
          } finally {
            const now = client.meter.snapshot();
            const before = last.get(role)!;
            ctx.count("requests", now.requests - before.requests);
            ctx.count("retries", now.retries - before.retries);
            last.set(role, now);
          }
        });
      },
      ctx.signal,
    );
  },
});

function parseRatios(raw: string | undefined): EvaluationConfig["ratios"] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(",").map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-6) {
    throw new AppError("invalid_input", `--ratios takes train,validation,test shares adding up to 1 (got "${raw}")`, [{ path: "ratios", error: "expected three shares adding up to 1" }]);
  }
  return { train: parts[0], validation: parts[1], test: parts[2] };
}

export interface EvaluateRequest {
  dataset: string;
  split: string;
  seed?: number;
  ratios?: string;
  student: { baseUrl: string; model: string; apiKeyEnv?: string };
  baseline?: { baseUrl: string; model: string; apiKeyEnv?: string } | null;
  concurrency?: number;
  maxTurns?: number;
  limit?: number | null;
  sendImage?: boolean;
}

/** "builtin" (or "builtin:FAULTS") names the in-process teacher; anything else is a URL. */
function specOf(input: { baseUrl: string; model: string; apiKeyEnv?: string }, field: string): z.input<typeof modelSpec> {
  const builtin = /^builtin(?::(none|default|dense|flaky))?$/.exec(input.baseUrl.trim());
  if (builtin) return { endpoint: { baseUrl: BUILTIN_BASE_URL, model: input.model || BUILTIN_MODEL }, builtin: { faults: (builtin[1] ?? "default") as "default" } };
  const endpoint = parseOrInvalid(endpointConfig, { baseUrl: input.baseUrl, model: input.model, ...(input.apiKeyEnv ? { apiKeyEnv: input.apiKeyEnv } : {}) }, (p) => `${field}.${p}`);
  return { endpoint, builtin: null };
}

/** Validates, selects the split's questions, preflights every endpoint; only then creates the job. */
export async function prepareEvaluation(request: EvaluateRequest): Promise<JobRow> {
  const dataset = await db().dataset.findUnique({ where: { name: request.dataset }, select: { id: true } });
  if (!dataset) throw new AppError("invalid_input", `dataset "${request.dataset}" does not exist`, [{ path: "dataset", error: "unknown dataset" }]);
  if (![...SPLITS, "all"].includes(request.split)) throw new AppError("invalid_input", `--split must be one of ${[...SPLITS, "all"].join(", ")} (got "${request.split}")`, [{ path: "split", error: "unknown split" }]);
  const ratios = parseRatios(request.ratios) ?? { train: 0.8, validation: 0.1, test: 0.1 };
  const seed = request.seed ?? 0;
  let rows = (await questionRows(null, dataset.id)).filter((q) => q.sceneId !== null);
  if (request.split !== "all") rows = rows.filter((q) => splitOf(seed, imageKey(q.image === null ? null : { sha256: q.sha256, name: q.image }, request.dataset, q.text), ratios) === request.split);
  if (request.limit) rows = rows.slice(0, request.limit);
  if (!rows.length) throw new AppError("invalid_input", `dataset "${request.dataset}" has no questions with a scene in split "${request.split}" (seed ${seed}, ratios ${ratios.train}/${ratios.validation}/${ratios.test})`, [{ path: "split", error: "no questions" }]);
  const student = specOf(request.student, "endpoint");
  const baseline = request.baseline ? specOf(request.baseline, "baseline") : null;
  const config = parseOrInvalid(evaluationConfig, {
    dataset: request.dataset, split: request.split, seed, ratios, questionIds: rows.map((q) => q.id), sceneIds: rows.map((q) => q.sceneId ?? 0),
    student, baseline, concurrency: request.concurrency, maxTurns: request.maxTurns, sendImage: request.sendImage,
  }, (p) => p || "config");
  for (const spec of [config.student, config.baseline]) if (spec) await preflightEndpoint(spec);
  return createJob({ kind: EVALUATION_KIND, config, title: `evaluate ${config.student.endpoint.model} on ${request.dataset}/${request.split}`, total: rows.length * (baseline ? 2 : 1) });
}

/** The teacher's figures: the dataset's traces of these questions, as the latest finished verifier run scored them. */
async function teacherScores(config: EvaluationConfig, classes: Map<number, string[]>): Promise<ModelScores | null> {
  const q = await sql();
  const run = await q.get<{ id: number }>(`SELECT r."id" FROM "VerifierRun" r JOIN "Dataset" d ON d."id" = r."datasetId" WHERE d."name" = ? AND r."status" = 'done' ORDER BY r."id" DESC LIMIT 1`, [config.dataset]);
  if (!run || !config.questionIds.length) return null;
  const rows = await q.all<{ questionId: number; teacherModel: string | null; quality: number; valid: number; parts: string | null }>(
    `SELECT t."questionId", t."teacherModel", s."quality", s."valid", s."parts" FROM "TraceScore" s JOIN "Trace" t ON t."id" = s."traceId" WHERE s."runId" = ? AND t."questionId" IN (${idList(config.questionIds)}) ORDER BY s."id"`,
    [run.id],
  );
  if (!rows.length) return null;
  const scores: ItemScore[] = rows.map((r) => {
    const parts = (r.parts ? JSON.parse(r.parts) : {}) as { completeness?: number | null; final?: number | null; calls?: number; accurateCalls?: number };
    return { correct: parts.final === null || parts.final === undefined ? null : parts.final >= 1, valid: r.valid === 1, quality: r.quality, completeness: parts.completeness ?? null, calls: parts.calls ?? 0, accurateCalls: parts.accurateCalls ?? 0, classes: classes.get(r.questionId) ?? [] };
  });
  const models = [...new Set(rows.map((r) => r.teacherModel).filter(Boolean))];
  return scoresOf("teacher", models.length === 1 ? models[0]! : models.length ? `${models.length} teachers` : "dataset traces", scores);
}

export async function evaluationReport(id: number, seconds = 0): Promise<EvaluationReport> {
  const job = await getJob(id);
  if (job.kind !== EVALUATION_KIND) throw new AppError("invalid_input", `job ${id} is a ${job.kind} job, not an evaluation`);
  const config = evaluationKind.parseConfig!(job.config);
  const items = await (await sql()).all<{ key: string; result: string | null }>(`SELECT "key", "result" FROM "JobItem" WHERE "jobId" = ? AND "status" = 'done' ORDER BY "id"`, [id]);
  const byRole = new Map<string, ItemScore[]>();
  for (const item of items) {
    const role = item.key.split(":")[0];
    if (item.result) (byRole.get(role) ?? byRole.set(role, []).get(role)!).push(JSON.parse(item.result) as ItemScore);
  }
  const rows = await questionRows(config.questionIds);
  const classes = new Map(rows.map((q) => [q.id, classesOfQuestion(q)]));
  const models: ModelScores[] = [scoresOf("student", config.student.endpoint.model, byRole.get("student") ?? [])];
  const teacher = await teacherScores(config, classes);
  if (teacher) models.push(teacher);
  if (config.baseline) models.push(scoresOf("baseline", config.baseline.endpoint.model, byRole.get("baseline") ?? []));
  const c = job.counters;
  return {
    job: id, status: job.status, dataset: config.dataset, split: config.split, questions: config.questionIds.length, failed: job.failed, models,
    requests: c.requests ?? 0, retries: c.retries ?? 0, tokens: { prompt: c["tokens.prompt"] ?? 0, completion: c["tokens.completion"] ?? 0 }, seconds: Math.round(seconds * 100) / 100,
  };
}
