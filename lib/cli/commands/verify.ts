import { defineCommand, methodTable } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { runVerifier } from "@/lib/services/verify/verify";

export default defineCommand({
  name: "verify",
  summary: "Run the verifier on a dataset (a config version, default the default config) and store verdicts and scores",
  usage: "stepwise verify --dataset NAME [--config VERSION] [--json]",
  options: { dataset: { type: "string" }, config: { type: "string" } },
  run: async ({ values, progress }) => {
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    const raw = values.config as string | undefined;
    const config = raw === undefined ? undefined : Number(raw);
    if (config !== undefined && (!Number.isInteger(config) || config < 1)) throw new AppError("invalid_input", `--config must be a version number (got "${raw}")`);
    let last = 0;
    return runVerifier({
      dataset,
      config,
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
    ].join("\n"),
});
