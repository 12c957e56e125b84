import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { many, run, sql, writeProgram } from "@/lib/db/sql";
import { AppError, type ErrorDetail } from "@/lib/errors";
import { createJob, defineJobKind, getJob, listJobs, mapConcurrent } from "@/lib/jobs/jobs";
import type { JobRow } from "@/lib/jobs/types";
import { spareJobConfig, spareRunRequest, type SpareEndpoint, type SpareJobConfig, type SpareRunRequest, type SpareSummary } from "@/lib/schemas/spare";
import { readCaptions, type CaptionRecord } from "@/lib/spare/captions";
import { FILTERS, type FilterName } from "@/lib/spare/filters";
import { endpointModels } from "@/lib/spare/llm-models";
import { MinHashIndex } from "@/lib/spare/near-duplicates";
import { processCaption, rulesModels, spareConfig, type CaptionOutcome, type SpareModels } from "@/lib/spare/pipeline";
import { EndpointClient } from "@/lib/teacher/endpoint/client";

// The SpaRE pipeline as a job (docs/design.md §12, on lib/jobs §11). Creating a run reads and
// checks every caption file first (all or nothing), stores the captions, then the job works through
// them in chunks: each chunk is one job item whose pairs and caption outcomes are written in the
// same transaction that marks it done, so a crash or a cancel loses nothing and repeats nothing.
// The same captions, dataset and settings again find the same job and resume it.
//
// Caption files and images are the user's runtime data, never build assets: every fs / path call
// on them carries /*turbopackIgnore: true*/, or Turbopack's file tracer would glob the whole
// project into the server bundle for the dynamic paths.

export const SPARE_JOB_KIND = "spare";

export interface CaptionFile {
  /** The name shown in errors and kept as provenance. */
  file: string;
  buffer: Buffer;
  /** Where relative image references are looked up (default: the file's folder, when on disk). */
  imagesDir?: string | null;
}

export type { SpareSummary } from "@/lib/schemas/spare";

const IMAGE_EXTENSIONS = ["", ".jpg", ".jpeg", ".png", ".webp", ".gif"];

type ImageStatus = "none" | "present" | "missing" | "remote";

/**
 * The names in each folder, listed once per read: 100,000 captions would otherwise cost
 * 100,000 × 6 extensions × folders `stat` calls, nearly all of them for files that are not there.
 */
class FolderListings {
  private readonly listings = new Map<string, Set<string>>();

  has(file: string): boolean {
    const dir = path.dirname(file);
    let names = this.listings.get(dir);
    if (!names) {
      try {
        names = new Set(fs.readdirSync(/*turbopackIgnore: true*/ dir));
      } catch {
        names = new Set();
      }
      this.listings.set(dir, names);
    }
    return names.has(path.basename(file));
  }
}

function resolveImage(image: string | null, dirs: string[], listings: FolderListings): { status: ImageStatus; path: string | null } {
  if (!image) return { status: "none", path: null };
  if (/^https?:\/\//i.test(image)) return { status: "remote", path: null };
  if (/^data:image\//i.test(image)) return { status: "present", path: null };
  for (const dir of dirs) {
    const base = path.resolve(/*turbopackIgnore: true*/ dir);
    for (const extension of IMAGE_EXTENSIONS) {
      const candidate = path.resolve(/*turbopackIgnore: true*/ base, `${image}${extension}`);
      if (!candidate.startsWith(base) || !listings.has(candidate)) continue;
      try {
        if (fs.statSync(/*turbopackIgnore: true*/ candidate).isFile()) return { status: "present", path: candidate };
      } catch {
        // not this one
      }
    }
  }
  return { status: "missing", path: null };
}

const PAIR_INSERT_COLUMNS = ["captionId", "jobId", "idx", "question", "answer", "relation", "relationClass", "frame", "status", "removedBy", "reason", "spanStart", "spanEnd"] as const;

function endpointOf(input: SpareEndpoint | null | undefined): SpareEndpoint | null {
  return input ?? null;
}

/** Reads and checks every file; throws one invalid_input naming each bad line, writing nothing. */
export function readCaptionFiles(files: CaptionFile[]): { captions: Array<CaptionRecord & { imageStatus: ImageStatus; imagePath: string | null }>; duplicates: number } {
  if (files.length === 0) throw new AppError("invalid_input", "no caption files given (--captions FILE...)");
  const errors: ErrorDetail[] = [];
  const captions: Array<CaptionRecord & { imageStatus: ImageStatus; imagePath: string | null }> = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const listings = new FolderListings();
  for (const f of files) {
    const result = readCaptions(f.file, f.buffer);
    errors.push(...result.errors);
    duplicates += result.duplicates;
    const dirs = [f.imagesDir, fs.existsSync(/*turbopackIgnore: true*/ f.file) ? path.dirname(f.file) : null].filter((d): d is string => Boolean(d));
    for (const caption of result.captions) {
      if (seen.has(caption.key)) {
        duplicates++;
        continue;
      }
      seen.add(caption.key);
      const image = resolveImage(caption.image, dirs, listings);
      captions.push({ ...caption, imageStatus: image.status, imagePath: image.path });
    }
  }
  if (errors.length) {
    const shown = errors.slice(0, 3).map((e) => `${e.file}:${e.line} ${e.path}: ${e.error}`).join("; ");
    throw new AppError("invalid_input", `${errors.length} caption error(s); nothing written: ${shown}${errors.length > 3 ? " …" : ""}`, errors);
  }
  return { captions, duplicates };
}

/** Creates the run's job and stores its captions — or finds the same run (resume). */
export async function createSpareRun(options: { files: CaptionFile[]; request: SpareRunRequest }): Promise<{ job: JobRow; resumed: boolean; captions: number; duplicates: number }> {
  const parsedRequest = spareRunRequest.safeParse(options.request);
  if (!parsedRequest.success) throw new AppError("invalid_input", parsedRequest.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const request = parsedRequest.data;
  const chat = endpointOf(request.chat);
  if ((request.synthesizer === "llm" || request.classifier === "llm") && !chat) {
    throw new AppError("invalid_input", "--synthesizer llm needs an endpoint (--endpoint URL --model M)");
  }
  const pipeline = spareConfig.parse({
    synthesizer: request.synthesizer,
    classifier: request.classifier ?? (chat ? "llm" : "rules"),
    ...(request.maxPairsPerCaption ? { maxPairsPerCaption: request.maxPairsPerCaption } : {}),
  });
  const { captions, duplicates } = readCaptionFiles(options.files);

  const settings = { dataset: request.dataset, pipeline, chat, embeddings: endpointOf(request.embeddings), clip: endpointOf(request.clip) };
  const hash = createHash("sha256").update(JSON.stringify(settings));
  for (const c of captions) hash.update(c.key);
  const fingerprint = hash.digest("hex").slice(0, 40);

  const previous = (await listJobs({ kind: SPARE_JOB_KIND, limit: 500 })).find((j) => (j.config as { fingerprint?: string })?.fingerprint === fingerprint);
  if (previous) return { job: previous, resumed: true, captions: captions.length, duplicates };

  const dataset = await db().dataset.upsert({ where: { name: request.dataset }, create: { name: request.dataset }, update: {} });
  const config: SpareJobConfig = spareJobConfig.parse({
    ...settings,
    datasetId: dataset.id,
    concurrency: request.concurrency ?? (chat ? 4 : 1),
    // rules: large chunks, so the per-chunk bookkeeping (job item, counters, one transaction) is
    // paid once per 1,000 captions; a crash repeats at most one chunk (a second or two of work)
    chunkSize: pipeline.synthesizer === "llm" || pipeline.classifier === "llm" ? 4 : 1000,
    fingerprint,
  });
  const job = await createJob({ kind: SPARE_JOB_KIND, config, title: `SpaRE · ${request.dataset} · ${captions.length} captions` });
  try {
    await writeProgram(function* () {
      yield* many(
        "SpareCaption",
        ["jobId", "datasetId", "key", "source", "image", "imageStatus", "imagePath", "text", "file", "line", "field"],
        captions.map((c) => [job.id, dataset.id, c.key, c.source, c.image, c.imageStatus, c.imagePath, c.text, c.file, c.line, c.field]),
      );
    });
  } catch (error) {
    await db().job.delete({ where: { id: job.id } });
    throw error;
  }
  return { job, resumed: false, captions: captions.length, duplicates };
}

function client(endpoint: SpareEndpoint | null): EndpointClient | null {
  if (!endpoint) return null;
  try {
    return new EndpointClient({ baseUrl: endpoint.baseUrl, model: endpoint.model, apiKeyEnv: endpoint.apiKeyEnv, params: { temperature: 0 } });
  } catch (error) {
    throw new AppError("invalid_input", (error as Error).message);
  }
}

function modelsFor(config: SpareJobConfig, signal: AbortSignal): SpareModels {
  const chat = client(config.chat);
  const embeddings = client(config.embeddings);
  const clip = client(config.clip);
  if (!chat && !embeddings && !clip) return rulesModels(config.pipeline);
  return endpointModels({ chat, embeddings, clip, config: config.pipeline, signal });
}

interface CaptionRow {
  id: number;
  text: string;
  image: string | null;
  imageStatus: ImageStatus;
  imagePath: string | null;
}

function imageFor(row: CaptionRow): { image: string | null; problem: string | null } {
  if (row.imageStatus === "none") return { image: null, problem: "no image" };
  if (row.imageStatus === "missing") return { image: null, problem: `image missing: ${row.image}` };
  if (row.imageStatus === "remote" || !row.imagePath) return { image: row.image, problem: null };
  const extension = path.extname(row.imagePath).slice(1).toLowerCase().replace("jpg", "jpeg") || "jpeg";
  try {
    return { image: `data:image/${extension};base64,${fs.readFileSync(/*turbopackIgnore: true*/ row.imagePath).toString("base64")}`, problem: null };
  } catch {
    return { image: null, problem: `image missing: ${row.imagePath}` };
  }
}

export const spareJobKind = defineJobKind<SpareJobConfig>({
  kind: SPARE_JOB_KIND,
  parseConfig: (config) => {
    const parsed = spareJobConfig.safeParse(config);
    if (!parsed.success) throw new AppError("invalid_input", `spare job config: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data;
  },
  async run(ctx) {
    const { config } = ctx;
    const q = await sql();
    const ids = (await q.all<{ id: number }>(`SELECT "id" FROM "SpareCaption" WHERE "jobId" = ? ORDER BY "id"`, [ctx.job.id])).map((r) => r.id);
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += config.chunkSize) chunks.push(ids.slice(i, i + config.chunkSize));
    await ctx.setTotal(chunks.length);
    const models = modelsFor(config, ctx.signal);

    // job-wide near-duplicates: the index is rebuilt from the pairs kept so far (resume)
    let jobIndex: MinHashIndex | undefined;
    if (config.pipeline.filters.nearDuplicate.scope === "job") {
      jobIndex = new MinHashIndex({ threshold: config.pipeline.filters.nearDuplicate.jaccard, ngram: config.pipeline.filters.nearDuplicate.ngram });
      const kept = await q.all<{ id: number; question: string }>(`SELECT "id", "question" FROM "SparePair" WHERE "jobId" = ? AND ("status" = 'kept' OR "removedBy" NOT IN ('exact_duplicate', 'near_duplicate')) ORDER BY "id"`, [ctx.job.id]);
      for (const pair of kept) jobIndex.check(pair.id, pair.question);
    }

    const done = await ctx.doneKeys();
    const pending = chunks.filter((chunk) => !done.has(`captions:${chunk[0]}-${chunk[chunk.length - 1]}`));
    // lanes over chunks; inside a chunk captions go one at a time (llm chunks are small)
    await mapConcurrent(
      pending,
      config.concurrency,
      async (chunk) =>
        ctx.item(`captions:${chunk[0]}-${chunk[chunk.length - 1]}`, async () => {
          const rows = await q.all<CaptionRow>(`SELECT "id", "text", "image", "imageStatus", "imagePath" FROM "SpareCaption" WHERE "jobId" = ? AND "id" >= ? AND "id" <= ? ORDER BY "id"`, [ctx.job.id, chunk[0], chunk[chunk.length - 1]]);
          const outcomes: Array<{ row: CaptionRow; outcome: CaptionOutcome }> = [];
          for (const row of rows) {
            if (ctx.signal.aborted) throw new Error("cancelled");
            const image = config.clip ? imageFor(row) : { image: null, problem: row.imageStatus === "missing" ? `image missing: ${row.image}` : null };
            const outcome = await processCaption({ text: row.text, image: image.image, imageProblem: image.problem, scope: String(row.id) }, models, config.pipeline, jobIndex);
            outcomes.push({ row, outcome });
          }
          for (const { outcome } of outcomes) {
            ctx.count("captions");
            if (outcome.spatial) ctx.count("spatial");
            if (outcome.unparseable) ctx.count("unparseable");
            ctx.count("generated", outcome.pairs.length);
            for (const pair of outcome.pairs) ctx.count(pair.status === "kept" ? "kept" : `removed.${pair.removedBy}`);
          }
          // a statement program the job runner runs in the transaction that marks the chunk done
          const pairRows = outcomes.flatMap(({ row, outcome }) =>
            outcome.pairs.map((p) => [row.id, ctx.job.id, p.index, p.question, p.answer, p.relation, p.relationClass, p.frame, p.status, p.removedBy, p.reason, p.spanStart, p.spanEnd]),
          );
          return {
            write: function* () {
              for (const { row, outcome } of outcomes) {
                yield* run(
                  `UPDATE "SpareCaption" SET "stage" = 'done', "spatial" = ?, "classifierReason" = ?, "unparseable" = ?, "truncated" = ?, "invalidItems" = ?, "rawAnswer" = ?, "clipSkipped" = ? WHERE "id" = ?`,
                  outcome.spatial, outcome.classifierReason, outcome.unparseable, outcome.truncated, outcome.invalidItems, outcome.rawAnswer, outcome.clipSkipped, row.id,
                );
              }
              // a chunk written again replaces its pairs' generated columns (their review stays)
              yield* many("SparePair", PAIR_INSERT_COLUMNS, pairRows, `ON CONFLICT ("captionId", "idx") DO UPDATE SET ${PAIR_INSERT_COLUMNS.filter((c) => c !== "captionId" && c !== "idx").map((c) => `"${c}" = excluded."${c}"`).join(", ")}`);
              return rows.length;
            },
          };
        }),
      ctx.signal,
    );
    const failed = (await getJob(ctx.job.id)).failed;
    if (failed > 0 && !ctx.signal.aborted) {
      const first = await q.get<{ error: string }>(`SELECT "error" FROM "JobItem" WHERE "jobId" = ? AND "status" = 'failed' ORDER BY "id" LIMIT 1`, [ctx.job.id]);
      throw new Error(`${failed} chunk(s) of captions failed (run again to retry them): ${first?.error ?? "unknown error"}`);
    }
  },
});

/** The funnel of a run from the stored captions and pairs (the CLI's --json shape). */
export async function spareSummary(jobId: number): Promise<SpareSummary> {
  const job = await getJob(jobId);
  if (job.kind !== SPARE_JOB_KIND) throw new AppError("not_found", `job ${jobId} is not a SpaRE run`);
  const config = job.config as SpareJobConfig;
  const q = await sql();
  const captions = (await q.get<{ n: number; spatial: number | null; unparseable: number | null }>(
    `SELECT COUNT(*) AS "n", SUM(CASE WHEN "spatial" = TRUE THEN 1 ELSE 0 END) AS "spatial", SUM(CASE WHEN "unparseable" = TRUE THEN 1 ELSE 0 END) AS "unparseable" FROM "SpareCaption" WHERE "jobId" = ?`,
    [jobId],
  ))!;
  const byStatus = await q.all<{ status: string; removedBy: string | null; n: number }>(`SELECT "status", "removedBy", COUNT(*) AS "n" FROM "SparePair" WHERE "jobId" = ? GROUP BY "status", "removedBy"`, [jobId]);
  const relations = await q.all<{ relation: string; n: number }>(`SELECT "relation", COUNT(*) AS "n" FROM "SparePair" WHERE "jobId" = ? AND "status" = 'kept' GROUP BY "relation" ORDER BY "n" DESC, "relation"`, [jobId]);
  const removed = Object.fromEntries(FILTERS.map((f) => [f, 0])) as Record<FilterName, number>;
  let kept = 0;
  let generated = 0;
  for (const row of byStatus) {
    generated += row.n;
    if (row.status === "kept") kept += row.n;
    else if (row.removedBy && row.removedBy in removed) removed[row.removedBy as FilterName] += row.n;
  }
  return {
    job: jobId,
    dataset: config.dataset,
    status: job.status,
    captions: { in: captions.n, spatial: captions.spatial ?? 0 },
    pairs: { generated, kept, unparseable: captions.unparseable ?? 0 },
    removed,
    relations: Object.fromEntries(relations.map((r) => [r.relation, r.n])),
  };
}
