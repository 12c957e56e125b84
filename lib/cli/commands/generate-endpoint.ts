import { table, type CommandContext } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { getJob, isStale, runJob } from "@/lib/jobs/jobs";
import type { JobRow } from "@/lib/jobs/types";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import { GENERATION_METHOD_NAMES, type GenerationConfig } from "@/lib/schemas/generation";
import { generationJob, prepareGeneration, preflightJob, summarize, type GenerationSummary } from "@/lib/services/generate/generation";
import { deployMigrations, pendingMigrations } from "@/scripts/migrate-core.mjs";

// `stepwise generate --dataset NAME (--questions FILE | --from-dataset NAME) --endpoint URL --model M …`:
// a generation job against a real OpenAI-compatible endpoint (docs/generation.md). Preflight
// before anything is written (exit 2 on a wrong URL, model or key); progress on stderr; the
// summary on stdout. Re-running the same command resumes the same job (items done are skipped);
// --resume JOB resumes by id. Exit 0 when every question got its traces, 1 otherwise.

function int(values: CommandContext["values"], name: string, min: number, max: number): number | undefined {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) throw new AppError("invalid_input", `--${name} must be an integer from ${min} to ${max} (got "${raw}")`, [{ path: name, error: "out of range" }]);
  return value;
}

function num(values: CommandContext["values"], name: string, min: number, max: number): number | undefined {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) throw new AppError("invalid_input", `--${name} must be a number from ${min} to ${max} (got "${raw}")`, [{ path: name, error: "out of range" }]);
  return value;
}

export const ENDPOINT_OPTIONS = {
  dataset: { type: "string" },
  questions: { type: "string" },
  "from-dataset": { type: "string" },
  endpoint: { type: "string" },
  model: { type: "string" },
  "api-key-env": { type: "string" },
  method: { type: "string" },
  k: { type: "string" },
  samples: { type: "string" },
  concurrency: { type: "string" },
  "max-turns": { type: "string" },
  "token-budget": { type: "string" },
  temperature: { type: "string" },
  "max-tokens": { type: "string" },
  "timeout-ms": { type: "string" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  limit: { type: "string" },
  "no-image": { type: "boolean" },
  resume: { type: "string" },
} as const;

function progressLine(job: JobRow, started: number, doneBefore: number): string {
  const c = job.counters;
  const elapsed = (Date.now() - started) / 1000;
  const made = job.done - doneBefore;
  const rate = elapsed > 0 ? made / elapsed : 0;
  const left = job.total - job.done - job.failed;
  const eta = rate > 0 && left > 0 ? ` ETA ${Math.ceil(left / rate)}s` : "";
  return `[job ${job.id}] ${job.done}/${job.total} traces, ${c.inFlight ?? 0} in flight, ${job.failed} failed, ${c.requests ?? 0} requests, ${c.retries ?? 0} retries, ${rate.toFixed(1)} traces/s${eta}`;
}

export async function runEndpointGeneration({ values, progress }: CommandContext): Promise<GenerationSummary> {
  if ((await pendingMigrations()).length > 0) await deployMigrations();
  const controller = new AbortController();
  const onSignal = () => {
    progress("stopping: cancelling the job (run the same command again to resume)");
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let jobId: number;
    const resumeRaw = values.resume as string | undefined;
    if (resumeRaw !== undefined) {
      const id = Number(resumeRaw);
      if (!Number.isInteger(id) || id < 1) throw new AppError("invalid_input", `--resume takes a job id (got "${resumeRaw}")`);
      const job = await generationJob(id).catch((error: unknown) => {
        throw error instanceof AppError && error.code === "not_found" ? new AppError("invalid_input", error.message) : error;
      });
      await preflightJob(job, controller.signal);
      jobId = job.id;
    } else {
      const dataset = values.dataset as string | undefined;
      const endpoint = values.endpoint as string | undefined;
      const model = values.model as string | undefined;
      const missing = [!dataset && "--dataset NAME", !endpoint && "--endpoint URL", !model && "--model M", !values.questions && !values["from-dataset"] && "--questions FILE or --from-dataset NAME"].filter(Boolean);
      if (missing.length) throw new AppError("invalid_input", `generate against an endpoint needs ${missing.join(", ")}`, missing.map((m) => ({ path: String(m).split(" ")[0].replace(/^--/, ""), error: "required" })));
      const method = (values.method as string | undefined) ?? "direct";
      if (!(GENERATION_METHOD_NAMES as readonly string[]).includes(method)) throw new AppError("invalid_input", `--method must be one of ${GENERATION_METHOD_NAMES.join(", ")} (got "${method}")`, [{ path: "method", error: "unknown method" }]);
      const keyEnv = values["api-key-env"] as string | undefined;
      if (keyEnv !== undefined && !ENV_NAME.test(keyEnv)) throw new AppError("invalid_input", `--api-key-env takes the NAME of an environment variable (got "${keyEnv}")`, [{ path: "api-key-env", error: "not a variable name" }]);
      const temperature = num(values, "temperature", 0, 2);
      const maxTokens = int(values, "max-tokens", 1, 1_000_000);
      const prepared = await prepareGeneration(
        {
          dataset: dataset!,
          questionsFile: (values.questions as string | undefined) ?? null,
          fromDataset: (values["from-dataset"] as string | undefined) ?? null,
          endpoint: {
            baseUrl: endpoint!,
            model: model!,
            ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
            ...(int(values, "timeout-ms", 100, 3_600_000) !== undefined ? { timeoutMs: int(values, "timeout-ms", 100, 3_600_000) } : {}),
            ...(num(values, "rpm", 0.001, 1_000_000) !== undefined ? { requestsPerMinute: num(values, "rpm", 0.001, 1_000_000) } : {}),
            ...(num(values, "tpm", 1, 1_000_000_000) !== undefined ? { tokensPerMinute: num(values, "tpm", 1, 1_000_000_000) } : {}),
            params: { ...(temperature !== undefined ? { temperature } : {}), ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}) },
          },
          method: method as GenerationConfig["method"],
          k: int(values, "k", 1, 64),
          samples: int(values, "samples", 1, 100),
          concurrency: int(values, "concurrency", 1, 1024),
          maxTurns: int(values, "max-turns", 1, 200),
          tokenBudget: int(values, "token-budget", 1, 1_000_000_000) ?? null,
          sendImage: !values["no-image"],
          limit: int(values, "limit", 1, 10_000_000) ?? null,
        },
        { signal: controller.signal },
      );
      jobId = prepared.job.id;
      if (prepared.resumed) progress(`resuming job ${jobId} (the same command ran before; items already done are skipped)`);
    }
    const before = await getJob(jobId);
    if ((before.status === "running" || before.status === "cancelling") && !isStale(before)) {
      throw new AppError("conflict", `job ${jobId} is running in process ${before.ownerPid} on ${before.ownerHost}; wait for it or cancel it first`);
    }
    const started = Date.now();
    progress(`job ${jobId}: ${before.total} question × sample items, ${before.done} already done`);
    const ticker = setInterval(() => {
      void getJob(jobId).then((job) => progress(progressLine(job, started, before.done))).catch(() => {});
    }, 1000);
    ticker.unref();
    let final: JobRow;
    try {
      final = await runJob(jobId, { signal: controller.signal });
    } finally {
      clearInterval(ticker);
    }
    progress(progressLine(final, started, before.done));
    if (final.status === "failed") throw new AppError("internal", `job ${jobId} failed: ${final.error}`);
    return summarize(final, before.status === "done" ? final : before, (Date.now() - started) / 1000);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function renderGeneration(s: GenerationSummary): string {
  const lines = [
    `job ${s.job} (${s.status}): ${s.traces} traces made, ${s.skipped} skipped (done before), ${s.failed} failed, over ${s.questions} questions → dataset "${s.dataset}" in ${s.seconds}s`,
    `${s.requests} requests, ${s.retries} retries, tokens ${s.tokens.prompt} prompt + ${s.tokens.completion} completion${s.costUsd !== null ? `, $${s.costUsd.toFixed(4)}` : ""}`,
  ];
  const block = (title: string, o: Record<string, number>) => (Object.keys(o).length ? ["", table([title, "count"], Object.entries(o).sort().map(([k, v]) => [k, v]))] : []);
  lines.push(...block("stop reason", s.stopReasons), ...block("parse fallback", s.parseFallbacks), ...block("error", s.errors));
  lines.push("", `verify with: npm run stepwise -- verify --dataset ${s.dataset}`);
  return lines.join("\n");
}
