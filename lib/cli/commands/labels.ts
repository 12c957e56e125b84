import { defineCommand } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { streamStepLabels } from "@/lib/services/review/label-export";

// `stepwise labels export --dataset NAME`: human step labels as step-labels JSON lines on stdout
// (streamed; progress and the count on stderr), the shape other tools' labels come in.
export default defineCommand({
  name: "labels",
  summary: "Export the current human step labels of a dataset as step-labels JSON lines",
  usage: "stepwise labels export --dataset NAME [--human-only]",
  options: { dataset: { type: "string" }, "human-only": { type: "boolean", default: false } },
  positionals: true,
  run: async ({ values, positionals, progress }) => {
    const [action, ...extra] = positionals;
    if (action !== "export" || extra.length) throw new AppError("invalid_input", `usage: stepwise labels export --dataset NAME [--human-only]${action && action !== "export" ? ` (unknown action "${action}")` : ""}`);
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
    let buffer = "";
    const summary = await streamStepLabels({ dataset, humanOnly: Boolean(values["human-only"]) }, (line) => {
      buffer += `${JSON.stringify(line)}\n`;
      if (buffer.length > 1 << 16) {
        process.stdout.write(buffer);
        buffer = "";
      }
    });
    process.stdout.write(buffer);
    progress(`${summary.labels} step labels`);
    return undefined;
  },
});
