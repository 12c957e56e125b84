import { sql, sqlDialect } from "@/lib/db/sql";
import { AppError, parseOrInvalid } from "@/lib/errors";
import { cancelJob, isResumable, isStale, launchJob, listJobs } from "@/lib/jobs/jobs";
import type { JobRow } from "@/lib/jobs/types";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import { generationStartInput, type GenerationConfig, type GenerationJobDetailDto, type GenerationJobDto } from "@/lib/schemas/generation";
import { BUILTIN_BASE_URL, BUILTIN_MODEL } from "@/lib/services/generate/builtin-teacher";
import { GENERATION_KIND, generationJob, generationFigures, prepareGeneration, preflightJob } from "@/lib/services/generate/generation";

// Generation jobs for the web app (docs/generation.md, /generate): start one from the form, list
// them, read one with its throughput and latest traces, cancel, resume. Jobs run in the background
// (lib/jobs launchJob: in the server process on SQLite, on the job queue on PostgreSQL), so they
// survive a page reload; one left running by a server that is gone shows as stale and can be resumed.

const RATE_WINDOW_S = 20;
const MAX_BUCKETS = 60;

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** The range of a job's trace external ids ("gen-j12:…"), for an index range scan. */
const idRange = (job: number): [string, string] => [`gen-j${job}:`, `gen-j${job};`];

/** Seconds since the epoch of a trace's createdAt, whatever way it was stored (SQLite: ms or text; PostgreSQL: a UTC timestamp). */
const epochSql = (): string =>
  sqlDialect() === "postgres"
    ? `CAST(FLOOR(EXTRACT(EPOCH FROM t."createdAt")) AS BIGINT)`
    : `CASE WHEN typeof(t."createdAt") = 'integer' THEN t."createdAt" / 1000 ELSE CAST(strftime('%s', t."createdAt") AS INTEGER) END`;

/** t."externalId" in [from, to): bytewise on both (COLLATE "C" on PostgreSQL, whatever the database's collation). */
const rangeSql = (): string =>
  sqlDialect() === "postgres" ? `t."externalId" >= ? COLLATE "C" AND t."externalId" < ? COLLATE "C"` : `t."externalId" >= ? AND t."externalId" < ?`;

async function recentRate(job: JobRow, config: GenerationConfig): Promise<number | null> {
  if (job.status !== "running") return null;
  const [from, to] = idRange(job.id);
  const EPOCH_SQL = epochSql();
  const row = (await (await sql()).get<{ n: number; first: number | null }>(
    `SELECT COUNT(*) AS n, MIN(${EPOCH_SQL}) AS first FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = ? AND ${rangeSql()} AND ${EPOCH_SQL} >= ?`,
    [config.dataset, from, to, Math.floor(Date.now() / 1000) - RATE_WINDOW_S],
  ))!;
  if (!row.n || row.first === null) return 0;
  // over the window, or since the first trace in it when the run is younger than the window
  const span = Math.max(1, Date.now() / 1000 - Math.max(row.first, Date.now() / 1000 - RATE_WINDOW_S));
  return row.n / span;
}

export async function toGenerationJobDto(job: JobRow): Promise<GenerationJobDto> {
  const config = job.config as GenerationConfig;
  const c = job.counters;
  const rate = await recentRate(job, config);
  const left = job.total - job.done - job.failed;
  const stale = isStale(job);
  return {
    id: job.id,
    title: job.title,
    status: job.status,
    dataset: config.dataset,
    source: config.source.startsWith("/") ? config.source.split("/").at(-1)! : config.source,
    method: config.method,
    model: config.endpoint.model,
    teacher: config.builtin ? "builtin" : config.endpoint.baseUrl,
    k: config.k,
    samples: config.samples,
    concurrency: config.concurrency,
    questions: config.questionIds.length,
    total: job.total,
    done: job.done,
    failed: job.failed,
    inFlight: job.status === "running" && !stale ? (c.inFlight ?? 0) : 0,
    ...generationFigures(c),
    resampled: c.resampled ?? 0,
    alternatives: c.alternatives ?? 0,
    error: job.error,
    stale,
    resumable: job.status !== "done" && isResumable(job),
    runs: job.runs,
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    ratePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
    etaSeconds: rate && left > 0 ? Math.ceil(left / rate) : null,
  };
}

export async function listGenerationJobs(): Promise<GenerationJobDto[]> {
  const jobs = await listJobs({ kind: GENERATION_KIND, limit: 200 });
  return Promise.all(jobs.map(toGenerationJobDto));
}

export async function getGenerationJob(id: number): Promise<GenerationJobDetailDto> {
  const job = await generationJob(id).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "invalid_input" ? new AppError("not_found", `generation job ${id} not found`) : error;
  });
  const dto = await toGenerationJobDto(job);
  const config = job.config as GenerationConfig;
  const q = await sql();
  const postgres = sqlDialect() === "postgres";
  const EPOCH_SQL = epochSql();
  const [from, to] = idRange(id);
  const range = rangeSql();
  const times = await q.all<{ s: number; n: number }>(
    `SELECT ${EPOCH_SQL} AS s, COUNT(*) AS n FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = ? AND ${range} GROUP BY 1 ORDER BY 1`,
    [config.dataset, from, to],
  );
  const start = job.startedAt ? Math.min(Math.floor(job.startedAt.getTime() / 1000), times[0]?.s ?? Infinity) : (times[0]?.s ?? 0);
  const end = Math.max(times.at(-1)?.s ?? start, job.status === "running" ? Math.floor(Date.now() / 1000) : start);
  const bucketSeconds = Math.max(1, Math.ceil((end - start + 1) / MAX_BUCKETS));
  const buckets = new Map<number, number>();
  for (const { s, n } of times) {
    const b = Math.floor((s - start) / bucketSeconds);
    buckets.set(b, (buckets.get(b) ?? 0) + n);
  }
  const count = times.length ? Math.floor((end - start) / bucketSeconds) + 1 : 0;
  const points = Array.from({ length: count }, (_, b) => ({ t: b * bucketSeconds, traces: buckets.get(b) ?? 0 }));
  const stopReason = postgres ? `(t."raw"::jsonb #>> '{meta,stopReason}')` : `json_extract(t."raw", '$.meta.stopReason')`;
  const traces = (
    await q.all<{ id: number; externalId: string; question: string | null; valid: number | null; quality: number | null; stopReason: string | null }>(
      `SELECT t."id", t."externalId", t."question", t."valid", t."quality", ${stopReason} AS stopReason FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = ? AND ${range} ORDER BY t."id" DESC LIMIT 20`,
      [config.dataset, from, to],
    )
  ).map((t) => ({ id: t.id, externalId: t.externalId, question: t.question ?? "", stopReason: t.stopReason, valid: t.valid === null ? null : t.valid === 1, quality: t.quality }));
  return { ...dto, throughput: { bucketSeconds, points }, traces };
}

/** Validates the form, preflights the teacher, writes the questions and launches the job (or resumes the same one). */
export async function startGenerationJob(input: unknown): Promise<GenerationJobDetailDto> {
  const form = parseOrInvalid(generationStartInput, input, (p) => p || "body");
  if (!form.fromDataset && !form.questionsFile) throw new AppError("invalid_input", "choose the questions: a dataset's questions or a question file", [{ path: "questions", error: "required" }]);
  const teacher = form.teacher;
  if (teacher.kind === "endpoint" && teacher.apiKeyEnv && !ENV_NAME.test(teacher.apiKeyEnv)) {
    throw new AppError("invalid_input", `the API key variable must be an environment variable NAME such as OPENAI_API_KEY (got "${teacher.apiKeyEnv}"); the key itself is never entered here`, [{ path: "teacher.apiKeyEnv", error: "not a variable name" }]);
  }
  const prepared = await prepareGeneration({
    dataset: form.dataset,
    fromDataset: form.fromDataset,
    questionsText: form.questionsFile,
    endpoint:
      teacher.kind === "builtin"
        ? { baseUrl: BUILTIN_BASE_URL, model: BUILTIN_MODEL }
        : { baseUrl: teacher.baseUrl, model: teacher.model, ...(teacher.apiKeyEnv ? { apiKeyEnv: teacher.apiKeyEnv } : {}), params: teacher.temperature === null ? {} : { temperature: teacher.temperature } },
    builtin: teacher.kind === "builtin" ? { faults: teacher.faults, latencyMs: teacher.latencyMs, misbehaveRate: teacher.misbehaveRate } : null,
    method: form.method,
    k: form.k,
    samples: form.samples,
    concurrency: form.concurrency,
    maxTurns: form.maxTurns,
    tokenBudget: form.tokenBudget,
    budget: form.budget,
    limit: form.limit,
  });
  const job = prepared.job;
  if (job.status !== "done" && isResumable(job)) await launchJob(job.id);
  return getGenerationJob(job.id);
}

export async function cancelGenerationJob(id: number): Promise<GenerationJobDetailDto> {
  await generationJob(id);
  await cancelJob(id);
  return getGenerationJob(id);
}

/** Preflights the job's teacher again (a key or server may have changed) and runs it in the background. */
export async function resumeGenerationJob(id: number): Promise<GenerationJobDetailDto> {
  const job = await generationJob(id).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "invalid_input" ? new AppError("not_found", `generation job ${id} not found`) : error;
  });
  if (job.status === "done") throw new AppError("conflict", `job ${id} is done; nothing to resume`);
  if (!isResumable(job)) throw new AppError("conflict", `job ${id} is ${job.status}; cancel it first or wait for it`);
  await preflightJob(job);
  await launchJob(id);
  return getGenerationJob(id);
}
