import { defineCommand } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { streamStepVerdicts } from "@/lib/services/verify/verdicts";

// Streams: one JSON line per step on stdout as it is read, nothing held in memory.
export default defineCommand({
  name: "verdicts",
  summary: "Every step's verifier verdicts as JSON lines (latest run, or --run ID)",
  usage: "stepwise verdicts --dataset NAME [--run ID] [--format jsonl]",
  options: { dataset: { type: "string" }, run: { type: "string" }, format: { type: "string", default: "jsonl" } },
  run: async ({ values, progress }) => {
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    if (values.format !== "jsonl") throw new AppError("invalid_input", `--format must be jsonl (got "${values.format}")`);
    const raw = values.run as string | undefined;
    const run = raw === undefined ? undefined : Number(raw);
    if (run !== undefined && (!Number.isInteger(run) || run < 1)) throw new AppError("invalid_input", `--run must be a run id (got "${raw}")`);
    // `| head` closes the pipe early: stop quietly, as other line tools do
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
    let buffer = "";
    const summary = await streamStepVerdicts({ dataset, run }, (line) => {
      buffer += `${JSON.stringify(line)}\n`;
      if (buffer.length > 1 << 16) {
        process.stdout.write(buffer);
        buffer = "";
      }
    });
    process.stdout.write(buffer);
    progress(`run ${summary.run}: ${summary.steps} steps`);
    return undefined;
  },
});
