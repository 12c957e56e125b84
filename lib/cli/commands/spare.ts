import fs from "node:fs";
import path from "node:path";
import { defineCommand, table } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { runJob } from "@/lib/jobs/jobs";
import type { SpareEndpoint, SpareRunRequest } from "@/lib/schemas/spare";
import { classifierAgreement, type AgreementReport } from "@/lib/services/spare/spare-agreement";
import { importEvalSet, type EvalImportResult } from "@/lib/services/spare/spare-eval";
import { createSpareRun, spareSummary, type CaptionFile, type SpareSummary } from "@/lib/services/spare/spare-jobs";
import { EndpointClient } from "@/lib/teacher/endpoint/client";

// `stepwise spare run`: the SpaRE pipeline (docs/design.md §12) over caption files as a persisted
// job — pre-filter, generation, filters, taxonomy — printing the funnel. Re-running the same
// command resumes the same job (done captions are not redone). Ctrl-C cancels cleanly.

function positiveInteger(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new AppError("invalid_input", `--${name} must be a positive integer (got "${String(raw)}")`);
  return value;
}

function endpoint(url: unknown, model: unknown, apiKeyEnv: unknown, flag: string): SpareEndpoint | null {
  if (url === undefined) return null;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new AppError("invalid_input", `--${flag} must be an http(s) URL such as http://127.0.0.1:8000/v1 (got "${String(url)}")`);
  if (typeof model !== "string" || !model) throw new AppError("invalid_input", `--${flag} needs its model (--${flag === "endpoint" ? "model" : `${flag}-model`} M)`);
  return { baseUrl: url, model, ...(typeof apiKeyEnv === "string" ? { apiKeyEnv } : {}) };
}

function readFiles(paths: string[], imagesDir: string | undefined): CaptionFile[] {
  return paths.map((file) => {
    try {
      return { file, buffer: fs.readFileSync(file), imagesDir: imagesDir ? path.resolve(imagesDir) : null };
    } catch (error) {
      throw new AppError("invalid_input", `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, [{ file, error: "cannot read" }]);
    }
  });
}

type Output = Omit<SpareSummary, "status"> | EvalImportResult | AgreementReport;

export default defineCommand({
  name: "spare",
  summary: "SpaRE: spatial QA pairs from hyper-detailed captions (pre-filter, generation, filters, taxonomy) as a resumable job",
  usage:
    "stepwise spare run --captions FILE... --dataset NAME [--endpoint URL --model M --api-key-env VAR] [--synthesizer llm|rules] [--classifier llm|rules] [--embeddings URL --embeddings-model M] [--clip URL --clip-model M] [--images DIR] [--concurrency C] [--max-pairs N] [--json]\n       stepwise spare summary --job ID [--json]\n       stepwise spare eval-import --set whatsup|vsr --file FILE... --dataset NAME [--images DIR] [--json]\n       stepwise spare agreement --labelled FILE [--endpoint URL --model M --api-key-env VAR] [--concurrency C] [--json]",
  positionals: true,
  options: {
    captions: { type: "string", multiple: true },
    dataset: { type: "string" },
    endpoint: { type: "string" },
    model: { type: "string" },
    "api-key-env": { type: "string" },
    synthesizer: { type: "string" },
    classifier: { type: "string" },
    embeddings: { type: "string" },
    "embeddings-model": { type: "string" },
    clip: { type: "string" },
    "clip-model": { type: "string" },
    images: { type: "string" },
    concurrency: { type: "string" },
    "max-pairs": { type: "string" },
    job: { type: "string" },
    set: { type: "string" },
    file: { type: "string", multiple: true },
    labelled: { type: "string" },
  },
  run: async ({ values, positionals, progress }): Promise<Output> => {
    const [sub, ...extra] = positionals;
    if (sub === "summary") {
      const id = positiveInteger(values.job, "job");
      if (!id) throw new AppError("invalid_input", "--job ID is required");
      const { status: _status, ...summary } = await spareSummary(id);
      return summary;
    }
    if (sub === "eval-import") {
      const set = values.set as string | undefined;
      if (set !== "whatsup" && set !== "vsr") throw new AppError("invalid_input", `--set must be whatsup or vsr (got "${set ?? ""}")`);
      const files = [...((values.file as string[] | undefined) ?? []), ...extra];
      if (files.length === 0) throw new AppError("invalid_input", "--file FILE... is required (What's Up JSON, or VSR JSONL)");
      const dataset = values.dataset as string | undefined;
      if (!dataset?.trim()) throw new AppError("invalid_input", "--dataset NAME is required");
      const result = await importEvalSet({ set, files: readFiles(files, undefined).map((f) => ({ file: f.file, buffer: f.buffer })), dataset, imagesDir: (values.images as string | undefined) ?? null });
      progress(`imported ${result.traces} ${set} items into ${result.dataset}`);
      return result;
    }
    if (sub === "agreement") {
      const file = (values.labelled as string | undefined) ?? extra[0];
      if (!file) throw new AppError("invalid_input", "--labelled FILE is required (JSONL {\"caption\": text, \"spatial\": true|false})");
      const chat = endpoint(values.endpoint, values.model, values["api-key-env"], "endpoint");
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once("SIGINT", onSignal);
      try {
        return await classifierAgreement({
          file,
          buffer: readFiles([file], undefined)[0].buffer,
          chat,
          concurrency: positiveInteger(values.concurrency, "concurrency"),
          signal: controller.signal,
          onProgress: (done, total) => {
            if (done % 25 === 0 || done === total) progress(`classified ${done}/${total} captions with ${chat?.model}`);
          },
        });
      } finally {
        process.removeListener("SIGINT", onSignal);
      }
    }
    if (sub !== "run") throw new AppError("invalid_input", `unknown subcommand "${sub ?? ""}": use "spare run", "spare summary", "spare eval-import" or "spare agreement"`);
    // `--captions a.jsonl b.jsonl` leaves b.jsonl as a positional
    const files = [...((values.captions as string[] | undefined) ?? []), ...extra];
    if (files.length === 0) throw new AppError("invalid_input", "--captions FILE... is required (JSONL captions: IIW/DOCCI, Localized Narratives, PixMo-Cap or {image, caption})");
    const dataset = values.dataset as string | undefined;
    if (!dataset?.trim()) throw new AppError("invalid_input", "--dataset NAME is required");
    const synthesizer = (values.synthesizer as string | undefined) ?? (values.endpoint ? "llm" : "rules");
    if (synthesizer !== "llm" && synthesizer !== "rules") throw new AppError("invalid_input", `--synthesizer must be llm or rules (got "${synthesizer}")`);
    const classifier = values.classifier as string | undefined;
    if (classifier !== undefined && classifier !== "llm" && classifier !== "rules") throw new AppError("invalid_input", `--classifier must be llm or rules (got "${classifier}")`);
    const apiKeyEnv = values["api-key-env"];
    const chat = endpoint(values.endpoint, values.model, apiKeyEnv, "endpoint");
    const request: SpareRunRequest = {
      dataset: dataset.trim(),
      synthesizer,
      ...(classifier ? { classifier: classifier as "llm" | "rules" } : {}),
      chat,
      embeddings: endpoint(values.embeddings, values["embeddings-model"], apiKeyEnv, "embeddings"),
      clip: endpoint(values.clip, values["clip-model"], apiKeyEnv, "clip"),
      concurrency: positiveInteger(values.concurrency, "concurrency"),
      maxPairsPerCaption: positiveInteger(values["max-pairs"], "max-pairs"),
    };
    const captionFiles = readFiles(files, values.images as string | undefined);
    if (chat) {
      // a wrong URL, model or key fails here, before any job exists
      let preflightClient: EndpointClient;
      try {
        preflightClient = new EndpointClient({ ...chat, maxRetries: 1 });
      } catch (error) {
        throw new AppError("invalid_input", (error as Error).message);
      }
      await preflightClient.preflight({ probe: false });
    }
    const created = await createSpareRun({ files: captionFiles, request });
    progress(`${created.resumed ? "resuming" : "created"} job ${created.job.id}: ${created.captions} captions${created.duplicates ? ` (${created.duplicates} repeated captions kept once)` : ""}`);
    const controller = new AbortController();
    const onSignal = () => {
      progress("cancelling… (run the same command again to resume)");
      controller.abort();
    };
    process.once("SIGINT", onSignal);
    let final;
    try {
      final = await runJob(created.job.id, { signal: controller.signal });
    } finally {
      process.removeListener("SIGINT", onSignal);
    }
    if (final.status === "cancelled") throw new AppError("cancelled", `job ${final.id} cancelled after ${final.done}/${final.total} chunks; run the same command again to resume`);
    if (final.status === "failed") throw new AppError("internal", `job ${final.id} failed: ${final.error ?? "unknown error"}`);
    const { status: _status, ...summary } = await spareSummary(final.id);
    return summary;
  },
  render: (s) => {
    if ("disagreements" in s) {
      const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
      const kappa = (x: number | null) => (x === null ? "—" : x.toFixed(3));
      const rows: Array<[string, string, string, string, string]> = [["rules vs labels", `${s.rules.agree}/${s.rules.n}`, pct(s.rules.precision), pct(s.rules.recall), kappa(s.rules.kappa)]];
      if (s.llm) rows.push([`${s.llm.model} vs labels`, `${s.llm.agree}/${s.llm.n}`, pct(s.llm.precision), pct(s.llm.recall), kappa(s.llm.kappa)]);
      if (s.llm_vs_rules) rows.push(["llm vs rules", `${s.llm_vs_rules.agree}/${s.llm_vs_rules.n}`, "", "", kappa(s.llm_vs_rules.kappa)]);
      const misses = s.disagreements.slice(0, 10).map((d) => `  ${s.file}:${d.line} label ${d.label ? "spatial" : "not"} · rules ${d.rules ? "spatial" : "not"}${d.llm === null ? "" : ` · llm ${d.llm ? "spatial" : "not"}`}: ${d.caption.slice(0, 80)}`);
      return `classifier agreement on ${s.captions} labelled captions (${s.labels.spatial} spatial, ${s.labels.not_spatial} not)\n${table(["classifier", "agree", "precision", "recall", "kappa"], rows)}${s.llm?.unreadable ? `\n${s.llm.unreadable} unreadable model answer(s) counted as not spatial` : ""}${misses.length ? `\ndisagreements:\n${misses.join("\n")}` : ""}`;
    }
    if ("set" in s) {
      const classes = Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(", ");
      const meta = Object.entries(s.metaCategories).map(([c, n]) => `${c} ${n}`).join(", ");
      return `${s.set} → dataset ${s.dataset}: ${s.items} items, ${s.traces} new traces (true ${s.labels.true}, false ${s.labels.false})\nclasses: ${classes || "—"}${meta ? `\nVSR meta-categories: ${meta}` : ""}`;
    }
    const removed = Object.entries(s.removed).map(([filter, n]) => [`  removed: ${filter}`, n] as [string, number]);
    const rows: Array<[string, number]> = [["captions in", s.captions.in], ["spatial captions", s.captions.spatial], ["pairs generated", s.pairs.generated], ...removed, ["pairs kept", s.pairs.kept], ["unparseable answers", s.pairs.unparseable]];
    const relations = Object.entries(s.relations).slice(0, 12).map(([r, n]) => `${r} ${n}`).join(", ");
    return `SpaRE job ${s.job} · dataset ${s.dataset}\n${table(["stage", "count"], rows)}\nrelations (kept): ${relations || "—"}`;
  },
});
