import { defineCommand, methodTable, percent, table } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { getDatasetMetrics } from "@/lib/services/verify/metrics";

const signed = (v: number, digits: number) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;

export default defineCommand({
  name: "metrics",
  summary: "The papers' metrics for a dataset's latest verifier run: quality, variance, valid ratio, completeness, tool-call accuracy; --ablation for the ablation table",
  usage: "stepwise metrics --dataset NAME [--run ID] [--by method] [--ablation] [--json]",
  options: { dataset: { type: "string" }, run: { type: "string" }, by: { type: "string" }, ablation: { type: "boolean", default: false } },
  run: async ({ values }) => {
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    if (values.by !== undefined && values.by !== "method") throw new AppError("invalid_input", `--by must be "method" (got "${values.by}")`);
    const raw = values.run as string | undefined;
    const run = raw === undefined ? undefined : Number(raw);
    if (run !== undefined && (!Number.isInteger(run) || run < 1)) throw new AppError("invalid_input", `--run must be a run id (got "${raw}")`);
    const metrics = await getDatasetMetrics({ dataset, run, ablation: Boolean(values.ablation) });
    if (!metrics.run) throw new AppError("not_found", `dataset "${dataset}" has no verifier run yet; run \`stepwise verify --dataset ${dataset}\``);
    return {
      dataset: metrics.dataset,
      run: metrics.run.id,
      config: metrics.run.config,
      threshold: metrics.threshold,
      overall: metrics.overall,
      ...(values.by === "method" ? { byMethod: metrics.byMethod } : {}),
      ...(metrics.ablation ? { ablation: metrics.ablation } : {}),
    };
  },
  render: (m) => {
    const rows = [m.overall!, ...(m.byMethod ?? [])];
    const lines = [
      `${m.dataset} · run ${m.run} · config v${m.config}`,
      "",
      methodTable(rows),
    ];
    if (m.ablation) {
      lines.push("", `ablation (kept = valid and quality ≥ ${m.threshold} under the variant; scored with the full verifier)`, "");
      lines.push(table(["variant", "kept", "avg quality", "Δ quality", "valid", "Δ valid"], m.ablation.map((a) => [a.variant, a.kept, a.avgQuality.toFixed(3), signed(a.deltaQuality, 3), percent(a.validRatio), signed(a.deltaValid * 100, 1) + " pt"])));
    }
    return lines.join("\n");
  },
});
