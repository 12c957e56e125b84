import { defineCommand, table } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { runJob } from "@/lib/jobs/jobs";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import { evaluationReport, prepareEvaluation, type EvaluationReport } from "@/lib/services/generate/evaluation";

// `stepwise evaluate --dataset NAME --split test --endpoint URL --model M`: the paper's Table 2
// (docs/generation.md). Runs the model over the split's questions through the tool loop, verifies
// its traces and reports accuracy, step completeness and tool-call accuracy per relation class,
// next to the teacher's (the dataset's traces) and an optional baseline (--baseline-endpoint).
// `--endpoint builtin[:FAULTS]` evaluates the built-in teacher. Preflight first: exit 2 on a wrong
// URL, model or key, nothing written.

function int(raw: unknown, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (String(raw).trim() === "" || !Number.isInteger(value) || value < min || value > max) throw new AppError("invalid_input", `--${name} must be an integer from ${min} to ${max} (got "${String(raw)}")`, [{ path: name, error: "out of range" }]);
  return value;
}

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

export default defineCommand({
  name: "evaluate",
  summary: "Evaluate a model (the fine-tuned student) on a dataset's split through the tool loop: accuracy, step completeness, tool-call accuracy per relation class, next to the teacher and a baseline",
  usage:
    "stepwise evaluate --dataset NAME --split test|validation|train|all --endpoint URL|builtin --model M [--api-key-env VAR] [--baseline-endpoint URL --baseline-model M [--baseline-api-key-env VAR]] [--seed N] [--ratios 0.8,0.1,0.1] [--concurrency C] [--max-turns T] [--limit N] [--no-image] [--json]",
  options: {
    dataset: { type: "string" },
    split: { type: "string" },
    endpoint: { type: "string" },
    model: { type: "string" },
    "api-key-env": { type: "string" },
    "baseline-endpoint": { type: "string" },
    "baseline-model": { type: "string" },
    "baseline-api-key-env": { type: "string" },
    seed: { type: "string" },
    ratios: { type: "string" },
    concurrency: { type: "string" },
    "max-turns": { type: "string" },
    limit: { type: "string" },
    "no-image": { type: "boolean" },
  },
  run: async ({ values, progress }): Promise<EvaluationReport> => {
    const dataset = values.dataset as string | undefined;
    const endpoint = values.endpoint as string | undefined;
    const model = values.model as string | undefined;
    const isBuiltin = endpoint?.startsWith("builtin") ?? false;
    const missing = [!dataset && "--dataset NAME", !endpoint && "--endpoint URL", !model && !isBuiltin && "--model M"].filter(Boolean) as string[];
    if (missing.length) throw new AppError("invalid_input", `evaluate needs ${missing.join(", ")}`, missing.map((m) => ({ path: m.split(" ")[0].replace(/^--/, ""), error: "required" })));
    for (const name of ["api-key-env", "baseline-api-key-env"]) {
      const v = values[name] as string | undefined;
      if (v !== undefined && !ENV_NAME.test(v)) throw new AppError("invalid_input", `--${name} takes the NAME of an environment variable (got "${v}")`, [{ path: name, error: "not a variable name" }]);
    }
    const baselineUrl = values["baseline-endpoint"] as string | undefined;
    const baselineModel = values["baseline-model"] as string | undefined;
    if (baselineUrl && !baselineModel && !baselineUrl.startsWith("builtin")) throw new AppError("invalid_input", "--baseline-endpoint needs --baseline-model", [{ path: "baseline-model", error: "required" }]);
    const job = await prepareEvaluation({
      dataset: dataset!,
      split: (values.split as string | undefined) ?? "test",
      seed: int(values.seed, "seed", 0, 2 ** 31 - 1),
      ratios: values.ratios as string | undefined,
      student: { baseUrl: endpoint!, model: model ?? "", apiKeyEnv: values["api-key-env"] as string | undefined },
      baseline: baselineUrl ? { baseUrl: baselineUrl, model: baselineModel ?? "", apiKeyEnv: values["baseline-api-key-env"] as string | undefined } : null,
      concurrency: int(values.concurrency, "concurrency", 1, 1024),
      maxTurns: int(values["max-turns"], "max-turns", 1, 200),
      limit: int(values.limit, "limit", 1, 10_000_000) ?? null,
      sendImage: !values["no-image"],
    });
    progress(`job ${job.id}: ${job.total} question × model items`);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    const started = Date.now();
    try {
      const final = await runJob(job.id, { signal: controller.signal });
      if (final.status === "failed") throw new AppError("internal", `evaluation job ${job.id} failed: ${final.error}`);
    } finally {
      process.off("SIGINT", stop);
    }
    return evaluationReport(job.id, (Date.now() - started) / 1000);
  },
  exitCode: (r) => (r.status === "done" && r.failed === 0 ? 0 : 1),
  render: (r) => {
    const lines = [`evaluation job ${r.job} (${r.status}): ${r.questions} questions of ${r.dataset}/${r.split}, ${r.failed} failed, ${r.requests} requests in ${r.seconds}s`, ""];
    lines.push(table(["model", "role", "questions", "accuracy", "step completeness", "tool-call accuracy", "valid"], r.models.map((m) => [m.model, m.role, m.questions, pct(m.accuracy), pct(m.stepCompleteness), pct(m.toolCallAccuracy), pct(m.validRatio)])));
    const classes = [...new Set(r.models.flatMap((m) => Object.keys(m.byClass)))].sort();
    lines.push("", table(["relation class", ...r.models.map((m) => `${m.role} acc / tool acc`)], classes.map((c) => [c, ...r.models.map((m) => (m.byClass[c] ? `${pct(m.byClass[c].accuracy)} / ${pct(m.byClass[c].toolCallAccuracy)}` : "—"))])));
    return lines.join("\n");
  },
});
