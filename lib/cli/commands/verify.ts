import { defineCommand, methodTable } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { runVerifier } from "@/lib/services/verify/verify";

export default defineCommand({
  name: "verify",
  summary: "Run the verifier on a dataset (a config version, default the default config) and store verdicts and scores",
  usage: [
    "stepwise verify --dataset NAME [--config VERSION] [--json]",
    "    [--judge-url URL --judge-model MODEL [--judge-key-env NAME]]   reasoning.judge's endpoint (when the config enables it;",
    "                                                                  default STEPWISE_JUDGE_URL / _MODEL / _API_KEY_ENV)",
  ].join("\n"),
  options: { dataset: { type: "string" }, config: { type: "string" }, "judge-url": { type: "string" }, "judge-model": { type: "string" }, "judge-key-env": { type: "string" } },
  run: async ({ values, progress }) => {
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
    let last = 0;
    return runVerifier({
      dataset,
      config,
      judge: judgeUrl ? { baseUrl: judgeUrl, model: judgeModel!, ...(judgeKeyEnv ? { apiKeyEnv: judgeKeyEnv } : {}) } : undefined,
      prepareCalibration: true,
      onProgress: (done, total) => {
        if (done === total || done - last >= 5000) {
          last = done;
          progress(`verified ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} traces`);
        }
      },
    });
  },
  render: (s) =>
    [
      `run ${s.run} · ${s.dataset} · config v${s.config}: ${s.traces} traces, ${s.steps} steps, ${s.verdicts} verdicts in ${s.seconds.toFixed(2)} s (${Math.round(s.stepsPerSecond).toLocaleString("en-US")} steps/s)`,
      "",
      methodTable([s.metrics.overall, ...s.metrics.byMethod]),
      "",
      `coverage: ${Object.entries(s.coverage).map(([kind, c]) => `${kind} ${c.checked} checked / ${c.unchecked} unchecked`).join(" · ")}`,
      ...Object.entries(s.unchecked).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([reason, n]) => `  unchecked ${String(n).padStart(6)}  ${reason}`),
      ...(s.judge ? [`judge ${s.judge.model}: ${s.judge.asked} asked, ${s.judge.cached} from the cache, ${s.judge.failed} failed`] : []),
    ].join("\n"),
});
