import { createHash } from "node:crypto";
import path from "node:path";
import { db } from "@/lib/db";
import { get, sql, writeProgram } from "@/lib/db/sql";
import { AppError, parseOrInvalid, type ErrorDetail } from "@/lib/errors";
import { toNormalized } from "@/lib/formats/canonical";
import type { NormalizedQuestion } from "@/lib/formats/types";
import { createJob, defineJobKind, getJob, listJobs, mapConcurrent } from "@/lib/jobs/jobs";
import type { Counters, JobRow } from "@/lib/jobs/types";
import type { EndpointConfigInput } from "@/lib/schemas/endpoint";
import { builtinTeacher, generationConfig, type BuiltinTeacher, type GenerationConfig, type GenerationConfigInput, type GenerationFigures } from "@/lib/schemas/generation";
import { imagesRoot } from "@/lib/services/import/image-store";
import { RecordWriter } from "@/lib/services/import/import-writer";
import { BUILTIN_BASE_URL, BUILTIN_MODEL, builtinTeacherUrl } from "@/lib/services/generate/builtin-teacher";
import { parseQuestionText, readQuestionFile, type SourceQuestion } from "@/lib/services/generate/questions";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { EndpointError } from "@/lib/teacher/endpoint/errors";
import { imagePart } from "@/lib/teacher/endpoint/image";
import type { UsageSnapshot } from "@/lib/teacher/endpoint/usage";
import { generateForQuestion } from "@/lib/teacher/runner/methods";
import { toolJsonSchemas } from "@/lib/tools/registry";
import type { Scene } from "@/lib/tools/scene";

// Generation jobs (docs/design.md §11, docs/generation.md): questions (a file or a dataset's) are
// written into the target dataset, the endpoint is preflighted, and a persisted job of kind
// "generation" runs the tool loop for every question × sample — each an item whose idempotency key
// is job × question × sample, committed together with its trace. Re-running the same command finds
// the same job (by a fingerprint of dataset, questions, endpoint, model and method) and resumes it.

export const GENERATION_KIND = "generation";

export interface GenerateRequest {
  dataset: string;
  questionsFile?: string | null;
  /** An uploaded question file's text (the web form); `name` names it in errors. */
  questionsText?: { name: string; text: string } | null;
  fromDataset?: string | null;
  /** The endpoint; with `builtin` its baseUrl and model may be left out (the in-process teacher). */
  endpoint: EndpointConfigInput;
  builtin?: Partial<BuiltinTeacher> | null;
  method?: GenerationConfig["method"];
  k?: number;
  samples?: number;
  concurrency?: number;
  maxTurns?: number;
  tokenBudget?: number | null;
  budget?: number | null;
  system?: string | null;
  sendImage?: boolean;
  /** Only the first N questions. */
  limit?: number | null;
}

/** One item's timing, for `npm run bench -- generate` (what Stepwise spends per request besides waiting). */
export interface ItemProbe {
  key: string;
  start: number;
  end: number;
  /** Time spent inside the endpoint client's calls (GeneratedTrace.requestMs). */
  waitMs: number;
  requests: number;
}

const globalForProbe = globalThis as unknown as { __stepwiseGenerationProbe?: ((probe: ItemProbe) => void) | null };

/** Registers a function called with every finished item's timing (null to stop); off by default. */
export function observeGenerationItems(observer: ((probe: ItemProbe) => void) | null): void {
  globalForProbe.__stepwiseGenerationProbe = observer;
}

const itemKey = (jobId: number, questionId: number, sample: number) => `j${jobId}:q${questionId}:s${sample}`;

/** The endpoint a job talks to now: a built-in teacher's live URL replaces the stored placeholder. */
export async function liveEndpoint(config: Pick<GenerationConfig, "endpoint" | "builtin">): Promise<GenerationConfig["endpoint"]> {
  if (!config.builtin) return config.endpoint;
  return { ...config.endpoint, baseUrl: await builtinTeacherUrl(config.builtin) };
}

function endpointInvalid(error: unknown): never {
  if (error instanceof EndpointError) throw error.code === "invalid_input" ? error : error.asInvalidInput();
  throw error;
}

async function datasetId(name: string): Promise<number> {
  const row = await db().dataset.findUnique({ where: { name }, select: { id: true } });
  if (!row) throw new AppError("invalid_input", `dataset "${name}" does not exist (import its scenes first: npm run stepwise -- import SCENES.json --dataset ${name})`, [{ path: "dataset", error: "unknown dataset" }]);
  return row.id;
}

/** The newest scene per name: by scene name and by image name, for these names (in chunks of 500). */
async function scenesByName(target: number, names: string[]): Promise<{ byName: Map<string, number>; byImage: Map<string, number> }> {
  const q = await sql();
  const byName = new Map<string, number>();
  const byImage = new Map<string, number>();
  const unique = [...new Set(names)];
  for (let start = 0; start < unique.length; start += 500) {
    const chunk = unique.slice(start, start + 500);
    const marks = chunk.map(() => "?").join(", ");
    // ascending ids: the newest scene of a name is the last one set
    for (const r of await q.all<{ id: number; name: string }>(`SELECT "id", "name" FROM "Scene" WHERE "datasetId" = ? AND "name" IN (${marks}) ORDER BY "id"`, [target, ...chunk])) byName.set(r.name, r.id);
    for (const r of await q.all<{ id: number; name: string }>(`SELECT s."id", i."name" FROM "Scene" s JOIN "Image" i ON i."id" = s."imageId" WHERE i."datasetId" = ? AND i."name" IN (${marks}) ORDER BY s."id"`, [target, ...chunk])) byImage.set(r.name, r.id);
  }
  return { byName, byImage };
}

/** The scene of each question in the target dataset: by `scene` name, else by the image's scene, else a scene named like the image. */
async function resolveScenes(target: number, questions: SourceQuestion[], file: string | null): Promise<number[]> {
  const { byName, byImage } = await scenesByName(target, questions.map((q) => q.scene ?? q.image));
  const errors: ErrorDetail[] = [];
  const ids = questions.map((q) => {
    const id = q.scene ? byName.get(q.scene) : (byImage.get(q.image) ?? byName.get(q.image));
    if (id === undefined) {
      if (errors.length < 50) errors.push({ ...(file ? { file, line: q.line } : {}), path: q.scene ? "$.scene" : "$.image", error: `no scene "${q.scene ?? q.image}" in the dataset` });
      return 0;
    }
    return id;
  });
  if (errors.length) {
    const missing = ids.filter((id) => id === 0).length;
    throw new AppError("invalid_input", `${missing} question(s) have no scene in the dataset (the tools need the scene graph; import the CLEVR scenes file into the dataset first)`, errors);
  }
  return ids;
}

async function questionsOfDataset(source: number): Promise<SourceQuestion[]> {
  const rows = await (await sql()).all<{ id: number; externalId: string | null; text: string; answer: string | null; program: string | null; image: string }>(
    `SELECT q."id", q."externalId", q."text", q."answer", q."program", i."name" AS image FROM "Question" q JOIN "Image" i ON i."id" = q."imageId" WHERE q."datasetId" = ? ORDER BY q."id"`,
    [source],
  );
  return rows.map((r) => ({ line: 0, externalId: r.externalId ?? `q${r.id}`, image: r.image, scene: null, text: r.text, answer: r.answer, program: r.program ? (JSON.parse(r.program) as unknown[]) : null, source: "clevr" }));
}

function fingerprintOf(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

export interface PreparedGeneration {
  job: JobRow;
  /** An earlier job with the same fingerprint was found (re-running the same command resumes it). */
  resumed: boolean;
}

/**
 * Validates everything, preflights the endpoint, then (only then) writes the questions into the
 * dataset and creates — or finds, for a re-run of the same command — the job. Any invalid input
 * or failed preflight throws before anything is written.
 */
export async function prepareGeneration(request: GenerateRequest, options: { signal?: AbortSignal } = {}): Promise<PreparedGeneration> {
  const dataset = request.dataset.trim();
  if (!dataset) throw new AppError("invalid_input", "--dataset is required", [{ path: "dataset", error: "expected a dataset name" }]);
  if ([request.questionsFile, request.questionsText, request.fromDataset].filter(Boolean).length > 1) throw new AppError("invalid_input", "give either --questions FILE or --from-dataset NAME, not both");
  const target = await datasetId(dataset);
  let questions: SourceQuestion[];
  let source: string;
  if (request.questionsFile) {
    questions = readQuestionFile(request.questionsFile);
    source = path.resolve(request.questionsFile);
  } else if (request.questionsText) {
    questions = parseQuestionText(request.questionsText.text, request.questionsText.name);
    source = `upload:${request.questionsText.name}:${createHash("sha256").update(request.questionsText.text).digest("hex").slice(0, 16)}`;
  } else {
    const from = request.fromDataset?.trim() || dataset;
    questions = await questionsOfDataset(await datasetId(from));
    if (!questions.length) throw new AppError("invalid_input", `dataset "${from}" has no questions with images to generate traces for`, [{ path: "from-dataset", error: "no questions" }]);
    source = `dataset:${from}`;
  }
  if (request.limit) questions = questions.slice(0, request.limit);
  const sceneIds = await resolveScenes(target, questions, request.questionsFile ?? request.questionsText?.name ?? null);
  let builtin: BuiltinTeacher | null = null;
  if (request.builtin) {
    builtin = parseOrInvalid(builtinTeacher, request.builtin, (p) => `builtin.${p}`);
  }
  const endpoint = builtin ? { ...request.endpoint, baseUrl: BUILTIN_BASE_URL, model: request.endpoint.model || BUILTIN_MODEL } : request.endpoint;

  // the config without the question ids (known once written) must already be valid
  const draft: GenerationConfigInput = {
    dataset,
    source,
    questionIds: [1],
    endpoint: endpoint as GenerationConfigInput["endpoint"],
    builtin,
    method: request.method,
    k: request.k,
    samples: request.samples,
    concurrency: request.concurrency,
    maxTurns: request.maxTurns,
    tokenBudget: request.tokenBudget ?? null,
    budget: request.budget ?? null,
    system: request.system ?? null,
    sendImage: request.sendImage,
    fingerprint: "pending",
  };
  const c = parseOrInvalid(generationConfig, draft, (p) => p || "config");

  await preflightEndpoint(c, options.signal);

  const fingerprint = fingerprintOf({
    dataset, source, questions: questions.map((q) => [q.externalId, q.image, q.text]),
    endpoint: { baseUrl: c.builtin ? c.builtin : c.endpoint.baseUrl.replace(/\/+$/, ""), model: c.endpoint.model, params: c.endpoint.params },
    method: c.method, k: c.k, samples: c.samples, maxTurns: c.maxTurns, tokenBudget: c.tokenBudget, budget: c.budget, system: c.system,
  });
  const existing = (await listJobs({ kind: GENERATION_KIND, limit: 1000 })).find((j) => (j.config as GenerationConfig).fingerprint === fingerprint);
  if (existing) return { job: existing, resumed: true };

  // the import writer's statement programs in one transaction, on either dialect (the writer takes
  // the seam for its dialect; its statements run in the program's transaction)
  const seam = await sql();
  const questionIds = await writeProgram(function* () {
    const writer = new RecordWriter(seam, dataset, new Map());
    yield* writer.opening();
    const ids: number[] = [];
    for (const q of questions) {
      const value: NormalizedQuestion = { externalId: q.externalId, image: q.image, text: q.text, answer: q.answer, program: q.program, source: q.source };
      yield* writer.record({ type: "question", line: q.line, value });
      ids.push((yield* get<{ id: number }>(`SELECT "id" FROM "Question" WHERE "datasetId" = ? AND "externalId" = ?`, writer.datasetId, q.externalId))!.id);
    }
    return ids;
  });
  const config = generationConfig.parse({ ...draft, questionIds, sceneIds, fingerprint });
  const job = await createJob({ kind: GENERATION_KIND, config, title: `${c.method} · ${c.endpoint.model} · ${questions.length} question${questions.length === 1 ? "" : "s"} → ${dataset}`, total: questions.length * c.samples });
  return { job, resumed: false };
}

interface QuestionRow {
  id: number;
  text: string;
  answer: string | null;
  program: string | null;
  image: string | null;
  imagePath: string | null;
  imageUrl: string | null;
  mime: string | null;
}

/** Adds what a meter spent since `last` to the job's counters. */
function syncMeter(count: (name: string, delta: number) => void, now: UsageSnapshot, last: UsageSnapshot): void {
  count("requests", now.requests - last.requests);
  count("retries", now.retries - last.retries);
  count("requestFailures", now.failures - last.failures);
  for (const [kind, n] of Object.entries(now.errors)) {
    const delta = (n ?? 0) - (last.errors[kind as keyof UsageSnapshot["errors"]] ?? 0);
    if (delta) count(`error.${kind}`, delta);
  }
}

export const generationKind = defineJobKind<GenerationConfig>({
  kind: GENERATION_KIND,
  parseConfig: (raw) => {
    return parseOrInvalid(generationConfig, raw, (p) => p || "config");
  },
  async run(ctx) {
    const config = ctx.config;
    let client: EndpointClient;
    try {
      client = new EndpointClient(await liveEndpoint(config));
    } catch (error) {
      endpointInvalid(error);
    }
    const q = await sql();
    const rows: QuestionRow[] = [];
    for (let start = 0; start < config.questionIds.length; start += 1000) {
      const ids = config.questionIds.slice(start, start + 1000).map((id) => Math.trunc(id)).join(",");
      rows.push(
        ...(await q.all<QuestionRow>(
          `SELECT q."id", q."text", q."answer", q."program", i."name" AS image, i."path" AS imagePath, i."url" AS imageUrl, i."mime" AS mime FROM "Question" q LEFT JOIN "Image" i ON i."id" = q."imageId" WHERE q."id" IN (${ids})`,
        )),
      );
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const sceneIdOf = new Map(config.questionIds.map((id, i) => [id, config.sceneIds[i] ?? 0]));
    const scenes = await loadToolScenes([...new Set(sceneIdOf.values())].filter((id) => id > 0));
    const tools = toolJsonSchemas();
    const items: Array<{ questionId: number; sample: number; key: string }> = [];
    for (const questionId of config.questionIds) for (let sample = 0; sample < config.samples; sample++) items.push({ questionId, sample, key: itemKey(ctx.job.id, questionId, sample) });
    await ctx.setTotal(items.length);
    const done = await ctx.doneKeys();
    let last = client.meter.snapshot();
    // one writer for the run (its caches of images, scenes and questions); each item's trace is its
    // statement program, run by the job runner in the transaction that marks the item done
    const writer = await RecordWriter.open(q, config.dataset, new Map());
    let inFlight = 0;

    await mapConcurrent(
      items.filter((item) => !done.has(item.key)),
      config.concurrency,
      async (item) => {
        const question = byId.get(item.questionId);
        const scene: Scene | undefined = scenes.get(sceneIdOf.get(item.questionId) ?? 0);
        inFlight++;
        ctx.setCounter("inFlight", inFlight);
        const observer = globalForProbe.__stepwiseGenerationProbe;
        const probe: ItemProbe | null = observer ? { key: item.key, start: performance.now(), end: 0, waitMs: 0, requests: 0 } : null;
        try {
          const work = () => ctx.item(item.key, async () => {
            if (!question) throw new Error(`question ${item.questionId} no longer exists`);
            if (!scene) throw new Error(`the scene of question ${item.questionId} no longer exists`);
            const file = config.sendImage && question.imagePath ? path.join(imagesRoot(), question.imagePath) : null;
            let part = null;
            try {
              part = config.sendImage ? imagePart({ file, url: question.imageUrl, mime: question.mime }) : null;
            } catch {
              part = null;
            }
            let generated;
            try {
              generated = await generateForQuestion(
                { id: String(question.id), image: question.image, question: question.text, answer: question.answer, program: question.program ? (JSON.parse(question.program) as unknown[]) : null },
                {
                  client, scene, tools, imagePart: part, method: config.method, k: config.k, budget: config.budget ?? undefined, maxTurns: config.maxTurns,
                  tokenBudget: config.tokenBudget, system: config.system, key: `gen-${item.key}`, signal: ctx.signal,
                },
              );
            } finally {
              const now = client.meter.snapshot();
              syncMeter(ctx.count, now, last);
              last = now;
            }
            if (probe) {
              probe.waitMs = generated.requestMs;
              probe.requests = generated.requests;
            }
            const meta = generated.trace.meta as { stopReason: string; fallbacks: Record<string, number> };
            ctx.count("traces");
            ctx.count(`stop.${meta.stopReason}`);
            for (const [name, n] of Object.entries(meta.fallbacks)) ctx.count(`fallback.${name}`, n);
            ctx.count("tokens.prompt", generated.tokens.prompt);
            ctx.count("tokens.completion", generated.tokens.completion);
            if (generated.costUsd !== null) ctx.count("costUsd", generated.costUsd);
            ctx.count("attempts", generated.attempts);
            ctx.count("resampled", generated.resampled);
            ctx.count("alternatives", generated.alternatives.length);
            const raw = JSON.stringify(generated.trace);
            const value = toNormalized(generated.trace, raw);
            return {
              write: function* () {
                const conflict = yield* writer.record({ type: "trace", line: 0, value });
                if (conflict) throw new Error(conflict.error);
                return (yield* get<{ id: number }>(`SELECT "id" FROM "Trace" WHERE "datasetId" = ? AND "externalId" = ?`, writer.datasetId, generated.trace.id))!.id;
              },
            };
          });
          const result = await work();
          if (result.status === "failed" && result.error !== "cancelled") ctx.count("failedItems");
          if (probe && observer) {
            probe.end = performance.now();
            observer(probe);
          }
        } finally {
          inFlight--;
          ctx.setCounter("inFlight", inFlight);
        }
      },
      ctx.signal,
    );
  },
});

export interface GenerationSummary extends GenerationFigures {
  job: number;
  status: string;
  dataset: string;
  questions: number;
  /** Traces this run made. */
  traces: number;
  /** Question × sample items done before this run. */
  skipped: number;
  failed: number;
  seconds: number;
}

/** A job's counters as figures: "fallback.hermes" → parseFallbacks.hermes, "stop.answer" → stopReasons.answer, … */
export function generationFigures(counters: Counters, options: { dropZeros?: boolean } = {}): GenerationFigures {
  const group = (prefix: string) =>
    Object.fromEntries(Object.entries(counters).filter(([k, v]) => k.startsWith(prefix) && !(options.dropZeros && v === 0)).map(([k, v]) => [k.slice(prefix.length), v]));
  return {
    requests: counters.requests ?? 0,
    retries: counters.retries ?? 0,
    parseFallbacks: group("fallback."),
    stopReasons: group("stop."),
    errors: group("error."),
    tokens: { prompt: counters["tokens.prompt"] ?? 0, completion: counters["tokens.completion"] ?? 0 },
    costUsd: counters.costUsd === undefined ? null : Math.round(counters.costUsd * 1e6) / 1e6,
  };
}

/** The CLI's summary: this run's figures (`before`: the job as it was when the run started). */
export function summarize(job: JobRow, before: JobRow | null, seconds: number): GenerationSummary {
  const config = job.config as GenerationConfig;
  const c = job.counters;
  const b = before?.counters ?? {};
  const thisRun = Object.fromEntries(Object.keys(c).map((k) => [k, (c[k] ?? 0) - (b[k] ?? 0)]));
  return {
    job: job.id,
    status: job.status,
    dataset: config.dataset,
    questions: config.questionIds.length,
    traces: job.done - (before?.done ?? 0),
    skipped: before?.done ?? 0,
    failed: job.failed,
    ...generationFigures(thisRun, { dropZeros: true }),
    seconds: Math.round(seconds * 100) / 100,
  };
}

export async function generationJob(id: number): Promise<JobRow> {
  const job = await getJob(id);
  if (job.kind !== GENERATION_KIND) throw new AppError("invalid_input", `job ${id} is a ${job.kind} job, not a generation job`);
  return job;
}

/** A stored job's endpoint, preflighted again before a resume (a key or server may have changed). */
export async function preflightJob(job: JobRow, signal?: AbortSignal): Promise<void> {
  await preflightEndpoint(generationKind.parseConfig!(job.config), signal);
}

export async function preflightEndpoint(config: Pick<GenerationConfig, "endpoint" | "builtin">, signal?: AbortSignal): Promise<void> {
  let client: EndpointClient;
  try {
    client = new EndpointClient(await liveEndpoint(config));
  } catch (error) {
    endpointInvalid(error);
  }
  try {
    await client.preflight({ tools: toolJsonSchemas(), signal });
  } catch (error) {
    endpointInvalid(error);
  }
}
