import { z } from "zod";
import { defineCommand } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { FORMATS, isFormatName } from "@/lib/formats/read";
import { attributionField, licenseField } from "@/lib/schemas/license";
import { importFiles, type ImportProgress } from "@/lib/services/import/imports";

const MB = 1024 * 1024;

function describeProgress(p: ImportProgress): string {
  if (p.phase === "write") return `writing ${p.records.toLocaleString("en-US")} records in one transaction…`;
  if (p.phase === "verify") return `verifying: ${p.bytes.toLocaleString("en-US")} / ${p.totalBytes.toLocaleString("en-US")} traces`;
  const percent = p.totalBytes ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
  return `validating ${p.file} (${p.fileIndex + 1}/${p.files}): ${(p.bytes / MB).toFixed(1)} of ${(p.totalBytes / MB).toFixed(1)} MB, ${percent}%, ${p.records.toLocaleString("en-US")} records`;
}

export default defineCommand({
  name: "import",
  summary: "Import traces, scenes, questions, detections and labels (all-or-nothing unless --skip-invalid)",
  usage: [
    `stepwise import FILE... --dataset NAME [--format ${FORMATS.join("|")}]`,
    "                [--images DIR|URL]... [--detector NAME] [--license ID] [--attribution TEXT]",
    "                [--dry-run] [--skip-invalid] [--no-verify] [--json]",
    "",
    "The format is detected from each file's first bytes; --format overrides it for every file.",
    "Image names resolve against --images (a directory, or a URL prefix to keep images as URLs);",
    "by default the files' own folders and their images/ subfolders. Exit 0 ok, 2 invalid input",
    "(nothing was written), 1 anything else. Formats: docs/formats.md.",
    "New traces are verified right after the import with the newest verifier config (--no-verify skips it);",
    "traces whose scene cannot be found are a warning with their count (the scene rules cannot check them).",
  ].join("\n"),
  options: {
    dataset: { type: "string" },
    format: { type: "string" },
    images: { type: "string", multiple: true },
    detector: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "skip-invalid": { type: "boolean", default: false },
    "no-verify": { type: "boolean", default: false },
    license: { type: "string" },
    attribution: { type: "string" },
  },
  positionals: true,
  run: async ({ values, positionals, progress }) => {
    if (positionals.length === 0) throw new AppError("invalid_input", "import needs at least one FILE");
    const dataset = values.dataset as string | undefined;
    if (!dataset) throw new AppError("invalid_input", "--dataset NAME is required");
    const format = values.format as string | undefined;
    if (format !== undefined && !isFormatName(format)) throw new AppError("invalid_input", `--format must be one of ${FORMATS.join(", ")}`);
    const images = values.images as string[] | undefined;
    let last = 0;
    const summary = await importFiles({
      files: positionals,
      dataset,
      format,
      images: images?.length ? images : undefined,
      detector: values.detector as string | undefined,
      dryRun: Boolean(values["dry-run"]),
      skipInvalid: Boolean(values["skip-invalid"]),
      verify: !values["no-verify"],
      ...licenseOptions(values.license as string | undefined, values.attribution as string | undefined),
      source: "cli",
      onProgress: (p) => {
        if (p.phase === "done" || ((p.phase === "validate" || p.phase === "verify") && Date.now() - last < 1000)) return;
        last = Date.now();
        progress(describeProgress(p));
      },
    });
    // the documented contract, exactly: dataset, created, duplicates, skipped, warnings
    return {
      dataset: summary.dataset,
      created: summary.created,
      duplicates: summary.duplicates,
      skipped: summary.skipped,
      warnings: summary.warnings,
      ...(summary.dryRun ? { dryRun: true } : {}),
      ...(summary.unverifiable ? { unverifiable: summary.unverifiable } : {}),
      ...(summary.verification ? { verification: summary.verification } : {}),
    };
  },
  render: (s) => {
    const c = s.created;
    const verb = s.dryRun ? "dry run, would create" : "created";
    const labels = c.labels ? `, ${c.labels} step labels` : "";
    const lines = [`${s.dataset}: ${verb} ${c.images} images, ${c.scenes} scenes, ${c.questions} questions, ${c.traces} traces, ${c.steps} steps, ${c.boxes} boxes${labels}; ${s.duplicates} duplicates`];
    for (const k of s.skipped) lines.push(`skipped ${k.file}:${k.line} ${k.path}: ${k.error}`);
    // the scene warning is the first one and shouted: every scene rule would skip those traces
    s.warnings.forEach((w, i) => lines.push(i === 0 && s.unverifiable ? `WARNING: ${w}` : `warning: ${w}`));
    const v = s.verification;
    if (v && "error" in v) lines.push(`warning: ${v.error}`);
    else if (v) lines.push(`verified: run ${v.run} with config v${v.config}: ${v.traces} traces, ${(100 * v.validRatio).toFixed(1)}% valid, mean quality ${v.avgQuality.toFixed(2)}`);
    return lines.join("\n");
  },
});

/** --license / --attribution, checked like the API's fields (errors name the flag). */
function licenseOptions(license: string | undefined, attribution: string | undefined): { license?: string; attribution?: string } {
  const parsed = z.object({ license: licenseField, attribution: attributionField }).safeParse({ license, attribution });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("invalid_input", `--${String(issue.path[0])}: ${issue.message}`, [{ path: String(issue.path[0]), error: issue.message }]);
  }
  return { ...(parsed.data.license ? { license: parsed.data.license } : {}), ...(parsed.data.attribution ? { attribution: parsed.data.attribution } : {}) };
}
