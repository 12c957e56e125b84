import { defineCommand } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { FORMATS, type FormatName } from "@/lib/formats/read";
import { importFiles } from "@/lib/services/imports";

export default defineCommand({
  name: "import",
  summary: "Import traces, scenes and questions (all-or-nothing unless --skip-invalid)",
  usage: `stepwise import FILE... --dataset NAME [--format ${FORMATS.join("|")}] [--images DIR] [--dry-run] [--skip-invalid] [--json]`,
  options: {
    dataset: { type: "string" },
    format: { type: "string" },
    images: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "skip-invalid": { type: "boolean", default: false },
  },
  positionals: true,
  run: async ({ values, positionals, progress }) => {
    if (positionals.length === 0) throw new AppError("invalid_input", "import needs at least one FILE");
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    const format = values.format as string | undefined;
    if (format && !FORMATS.includes(format as FormatName)) throw new AppError("invalid_input", `--format must be one of ${FORMATS.join(", ")}`);
    progress(`importing ${positionals.length} file(s) into ${dataset}…`);
    const summary = await importFiles({
      files: positionals,
      dataset,
      format: format as FormatName | undefined,
      imagesDir: values.images as string | undefined,
      dryRun: Boolean(values["dry-run"]),
      skipInvalid: Boolean(values["skip-invalid"]),
    });
    const { dryRun: _dryRun, ...contract } = summary;
    return contract;
  },
  render: (s) => {
    const c = s.created;
    const lines = [`${s.dataset}: created ${c.images} images, ${c.scenes} scenes, ${c.questions} questions, ${c.traces} traces, ${c.steps} steps, ${c.boxes} boxes; ${s.duplicates} duplicates`];
    for (const k of s.skipped) lines.push(`skipped ${k.file}:${k.line} ${k.path}: ${k.error}`);
    for (const w of s.warnings) lines.push(`warning: ${w}`);
    return lines.join("\n");
  },
});
