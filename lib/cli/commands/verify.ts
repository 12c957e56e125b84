import { defineCommand, methodTable, wholeFlag } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { closeQueue } from "@/lib/jobs/queue";
import { queueVerifierRun, resumeVerifierRun, runVerifier } from "@/lib/services/verify/verify";
import type { RunSummary } from "@/lib/schemas/verifier";

type Queued = Awaited<ReturnType<typeof queueVerifierRun>>;

export default defineCommand({
  name: "verify",
  summary: "Run the verifier on a dataset (a config version, default the default config) and store verdicts and scores",
  usage: [
    "stepwise verify --dataset NAME [--config VERSION] [--threads N] [--json]",
    "    --threads N        verification threads (default STEPWISE_VERIFY_THREADS, else every core but one from 2,000 traces)",
    "stepwise verify --resume RUN [--threads N]   continue a run whose process was killed (its written chunks are kept)",
    "stepwise verify --dataset NAME [--config VERSION] --queue [--chunk-size N]",
    "                       split the run into chunks for `stepwise worker` processes and return at once",
    "    [--judge-url URL --judge-model MODEL [--judge-key-env NAME]]   reasoning.judge's endpoint (when the config enables it;",
    "                                                                  default STEPWISE_JUDGE_URL / _MODEL / _API_KEY_ENV)",
  ].join("\n"),
  options: {
    dataset: { type: "string" },
    config: { type: "string" },
    threads: { type: "string" },
    resume: { type: "string" },
    queue: { type: "boolean" },
    "chunk-size": { type: "string" }, "judge-url": { type: "string" }, "judge-model": { type: "string" }, "judge-key-env": { type: "string" } },
  run: async ({ values, progress }): Promise<RunSummary | Queued> => {
    const threads = wholeFlag("threads", values.threads as string | undefined);
    const chunkSize = wholeFlag("chunk-size", values["chunk-size"] as string | undefined);
    let last = 0;
    const onProgress = (done: number, total: number) => {
      if (done === total || done - last >= 5000) {
        last = done;
        progress(`verified ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} traces`);
      }
    };
    const resume = wholeFlag("resume", values.resume as string | undefined);
    if (resume !== undefined) {
      if (values.dataset || values.config || values.queue) throw new AppError("invalid_input", "--resume RUN continues that run with its own dataset and config: leave out --dataset, --config and --queue");
      return resumeVerifierRun(resume, { threads, prepareCalibration: true, onProgress });
    }
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    const raw = values.config as string | undefined;
    const config = raw === undefined ? undefined : Number(raw);
    if (config !== undefined && (!Number.isInteger(config) || config < 1)) throw new AppError("invalid_input", `--config must be a version number (got "${raw}")`);
    const judgeUrl = values["judge-url"] as string | undefined;
    const judgeModel = values["judge-model"] as string | undefined;
    const judgeKeyEnv = values["judge-key-env"] as string | undefined;
    if ((judgeModel || judgeKeyEnv) && !judgeUrl) throw new AppError("invalid_input", "--judge-model and --judge-key-env need --judge-url");
    if (judgeUrl && !judgeModel) throw new AppError("invalid_input", "--judge-url needs --judge-model (the model the endpoint serves)");
    if (values.queue) {
      if (judgeUrl) throw new AppError("invalid_input", "--queue: workers use the STEPWISE_JUDGE_* environment of their machine, not --judge-url");
      if (threads !== undefined) throw new AppError("invalid_input", "--queue: threads are the workers' (stepwise worker --threads N)");
      try {
        return await queueVerifierRun({ dataset, config, batchSize: chunkSize });
      } finally {
        await closeQueue(); // PostgreSQL: the queue's connections and timers would keep the CLI alive
      }
    }
    return runVerifier({
      dataset,
      config,
      threads,
      batchSize: chunkSize,
      judge: judgeUrl ? { baseUrl: judgeUrl, model: judgeModel!, ...(judgeKeyEnv ? { apiKeyEnv: judgeKeyEnv } : {}) } : undefined,
      prepareCalibration: true,
      onProgress,
    });
  },
  render: (s) =>
    "chunks" in s && typeof s.chunks === "number"
      ? `run ${s.run} · ${s.dataset} · config v${s.config}: ${s.traces} traces in ${s.chunks} chunks, queued for \`stepwise worker\` (progress: stepwise metrics, or the runs list)`
      : renderSummary(s as RunSummary),
});

function renderSummary(s: RunSummary): string {
  return [
      `run ${s.run} · ${s.dataset} · config v${s.config}: ${s.traces} traces, ${s.steps} steps, ${s.verdicts} verdicts in ${s.seconds.toFixed(2)} s (${Math.round(s.stepsPerSecond).toLocaleString("en-US")} steps/s, ${s.threads ?? 1} thread${(s.threads ?? 1) === 1 ? "" : "s"})`,
      ...(s.chunks?.resumed ? [`resumed: ${s.chunks.resumed} of ${s.chunks.total} chunks were written before the interruption`] : []),
      "",
      methodTable([s.metrics.overall, ...s.metrics.byMethod]),
      "",
      `coverage: ${Object.entries(s.coverage).map(([kind, c]) => `${kind} ${c.checked} checked / ${c.unchecked} unchecked`).join(" · ")}`,
      ...Object.entries(s.unchecked).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([reason, n]) => `  unchecked ${String(n).padStart(6)}  ${reason}`),
      ...(s.judge ? [`judge ${s.judge.model}: ${s.judge.asked} asked, ${s.judge.cached} from the cache, ${s.judge.failed} failed`] : []),
    ].join("\n");
}
