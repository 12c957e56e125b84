import fs from "node:fs";
import path from "node:path";
import { all, get, run, sql, writeProgram, type Param } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { cancelJob, getJob, launchJob, listJobs } from "@/lib/jobs/jobs";
import { pairListQuery, pairReview, spareUploadRequest, type PairListQuery, type PairReview, type SpareJobConfig, type SpareUploadRequest, type FilterPrecision, type FunnelExample, type FunnelStage, type RelationRow, type SpareCaptionDto, type SpareFunnelDetail, type SparePairDto, type SparePairPage, type SpareRunListItem } from "@/lib/schemas/spare";
import { createSpareRun, SPARE_JOB_KIND, spareSummary } from "@/lib/services/spare/spare-jobs";
import { FILTERS, FILTER_LABELS, type FilterName } from "@/lib/spare/filters";
import { SPARE_RELATIONS } from "@/lib/spare/taxonomy";

// What the SpaRE pages read and write (docs/design.md §12): the runs, a run's funnel with the
// examples each filter removed and the relation distribution next to the paper's, the pairs for QA
// review, a label per pair, and each filter's precision measured from those labels.


export async function listSpareRuns(): Promise<SpareRunListItem[]> {
  const jobs = await listJobs({ kind: SPARE_JOB_KIND, limit: 200 });
  return jobs.map((job) => {
    const config = job.config as SpareJobConfig;
    return {
      id: job.id,
      title: job.title,
      dataset: config.dataset,
      status: job.status,
      total: job.total,
      done: job.done,
      synthesizer: config.pipeline?.synthesizer ?? "rules",
      classifier: config.pipeline?.classifier ?? "rules",
      createdAt: job.createdAt.toISOString(),
      counters: job.counters,
    };
  });
}






const EXAMPLES_PER_FILTER = 5;

async function spareJob(jobId: number) {
  const job = await getJob(jobId);
  if (job.kind !== SPARE_JOB_KIND) throw new AppError("not_found", `job ${jobId} is not a SpaRE run`);
  return job;
}

export async function spareFunnel(jobId: number): Promise<SpareFunnelDetail> {
  const job = await spareJob(jobId);
  const config = job.config as SpareJobConfig;
  const summary = await spareSummary(jobId);
  const q = await sql();

  const stages: FunnelStage[] = [
    { key: "captions", label: "Captions in", count: summary.captions.in, removed: 0, unit: "captions" },
    { key: "spatial", label: "Spatial pre-filter", count: summary.captions.spatial, removed: summary.captions.in - summary.captions.spatial, unit: "captions" },
    { key: "generated", label: "Pairs generated", count: summary.pairs.generated, removed: 0, unit: "pairs" },
  ];
  let left = summary.pairs.generated;
  for (const filter of FILTERS) {
    left -= summary.removed[filter];
    stages.push({ key: filter, label: FILTER_LABELS[filter], count: left, removed: summary.removed[filter], unit: "pairs" });
  }

  const examples = Object.fromEntries(
    await Promise.all(
      FILTERS.map(async (f) => [f, await q.all<FunnelExample>(`SELECT "id" AS "pairId", "captionId", "question", "answer", "reason" FROM "SparePair" WHERE "jobId" = ? AND "removedBy" = ? ORDER BY "id" LIMIT ?`, [jobId, f, EXAMPLES_PER_FILTER])] as const),
    ),
  ) as Record<FilterName, FunnelExample[]>;

  const byRelation = await q.all<{ relation: string; cls: string; generated: number; kept: number }>(
    `SELECT "relation", "relationClass" AS "cls", COUNT(*) AS "generated", SUM(CASE WHEN "status" = 'kept' THEN 1 ELSE 0 END) AS "kept" FROM "SparePair" WHERE "jobId" = ? GROUP BY "relation", "relationClass"`,
    [jobId],
  );
  const rows = new Map<string, RelationRow>();
  for (const r of SPARE_RELATIONS) rows.set(r.relation, { relation: r.relation, class: r.class, generated: 0, kept: 0, paperPercent: r.srPercent });
  for (const r of byRelation) {
    const row = rows.get(r.relation) ?? { relation: r.relation, class: r.cls, generated: 0, kept: 0, paperPercent: null };
    row.generated += r.generated;
    row.kept += r.kept ?? 0;
    rows.set(r.relation, row);
  }
  const relations = [...rows.values()].sort((a, b) => b.kept - a.kept || (b.paperPercent ?? -1) - (a.paperPercent ?? -1) || a.relation.localeCompare(b.relation));

  const labels = await q.all<{ status: string; removedBy: string | null; label: string | null; n: number }>(`SELECT "status", "removedBy", "label", COUNT(*) AS "n" FROM "SparePair" WHERE "jobId" = ? GROUP BY "status", "removedBy", "label"`, [jobId]);
  const precision: FilterPrecision[] = [
    { filter: "kept", label: "Kept (passed every filter)", total: 0, reviewed: 0, accepted: 0, rejected: 0 },
    ...FILTERS.map((f) => ({ filter: f, label: FILTER_LABELS[f], total: 0, reviewed: 0, accepted: 0, rejected: 0 })),
  ];
  for (const row of labels) {
    const entry = precision.find((p) => (row.status === "kept" ? p.filter === "kept" : p.filter === row.removedBy));
    if (!entry) continue;
    entry.total += row.n;
    if (row.label === "accept") entry.accepted += row.n;
    if (row.label === "reject") entry.rejected += row.n;
    if (row.label) entry.reviewed += row.n;
  }

  const missingImages = (await q.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "SpareCaption" WHERE "jobId" = ? AND "imageStatus" = 'missing'`, [jobId]))!.n;
  const clipSkipped = await q.all<{ reason: string; n: number }>(`SELECT "clipSkipped" AS "reason", COUNT(*) AS "n" FROM "SpareCaption" WHERE "jobId" = ? AND "clipSkipped" IS NOT NULL GROUP BY "clipSkipped" ORDER BY "n" DESC, "clipSkipped" LIMIT 10`, [jobId]);
  const notSpatialExamples = await q.all<{ captionId: number; text: string; reason: string | null }>(`SELECT "id" AS "captionId", "text", "classifierReason" AS "reason" FROM "SpareCaption" WHERE "jobId" = ? AND "spatial" = FALSE ORDER BY "id" LIMIT ?`, [jobId, EXAMPLES_PER_FILTER]);

  return {
    summary,
    job: {
      id: job.id,
      title: job.title,
      status: job.status,
      total: job.total,
      done: job.done,
      error: job.error,
      synthesizer: config.pipeline.synthesizer,
      classifier: config.pipeline.classifier,
      clip: Boolean(config.clip),
      embeddings: Boolean(config.embeddings),
    },
    stages,
    examples,
    relations,
    precision,
    captions: { missingImages, clipSkipped, notSpatialExamples },
  };
}



const PAIR_COLUMNS = `p."id", p."captionId", p."idx", p."question", p."answer", p."relation", p."relationClass", p."frame", p."status", p."removedBy", p."reason", p."spanStart", p."spanEnd", p."label", p."editedQuestion", p."editedAnswer"`;
const CAPTION_COLUMNS = `c."id", c."jobId", c."source", c."image", c."imageStatus", c."text", c."file", c."line", c."field", c."spatial", c."classifierReason", c."unparseable", c."truncated", c."rawAnswer", c."clipSkipped"`;

function captionDto(row: Record<string, unknown>): SpareCaptionDto {
  return {
    ...(row as unknown as SpareCaptionDto),
    spatial: row.spatial === null ? null : Boolean(row.spatial),
    unparseable: Boolean(row.unparseable),
    truncated: Boolean(row.truncated),
  };
}


/** Pairs of a run for review, filtered by status, filter, relation, label or caption; id order, cursor = last id. */
export async function listSparePairs(jobId: number, input: PairListQuery): Promise<SparePairPage> {
  await spareJob(jobId);
  const parsed = pairListQuery.safeParse(input);
  if (!parsed.success) throw new AppError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const q = parsed.data;
  if (q.removedBy && !(FILTERS as readonly string[]).includes(q.removedBy)) throw new AppError("invalid_input", `removedBy must be one of ${FILTERS.join(", ")} (got "${q.removedBy}")`);
  const where: string[] = [`p."jobId" = ?`];
  const args: Param[] = [jobId];
  if (q.status !== "all") {
    where.push(`p."status" = ?`);
    args.push(q.status);
  }
  if (q.removedBy) {
    where.push(`p."removedBy" = ?`);
    args.push(q.removedBy);
  }
  if (q.relation) {
    where.push(`p."relation" = ?`);
    args.push(q.relation);
  }
  if (q.label === "unlabelled") where.push(`p."label" IS NULL`);
  else if (q.label) {
    where.push(`p."label" = ?`);
    args.push(q.label);
  }
  if (q.captionId) {
    where.push(`p."captionId" = ?`);
    args.push(q.captionId);
  }
  const db = await sql();
  const total = (await db.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "SparePair" p WHERE ${where.join(" AND ")}`, args))!.n;
  const pairs = await db.all<SparePairDto>(`SELECT ${PAIR_COLUMNS} FROM "SparePair" p WHERE ${where.join(" AND ")} AND p."id" > ? ORDER BY p."id" LIMIT ?`, [...args, q.cursor ?? 0, q.limit + 1]);
  const more = pairs.length > q.limit;
  if (more) pairs.pop();
  const captionIds = [...new Set(pairs.map((p) => p.captionId))];
  const captionRows = captionIds.length
    ? await db.all(`SELECT ${CAPTION_COLUMNS} FROM "SpareCaption" c WHERE c."id" IN (${captionIds.map((id) => Math.trunc(id)).join(",")})`)
    : [];
  return {
    pairs,
    captions: Object.fromEntries(captionRows.map((row) => [row.id as number, captionDto(row)])),
    total,
    nextCursor: more ? pairs[pairs.length - 1].id : null,
  };
}

/** Labels one pair: accept / reject / clear (null); an edit of the question or answer accepts it. */
export async function reviewSparePair(pairId: number, input: PairReview): Promise<SparePairDto> {
  const parsed = pairReview.safeParse(input);
  if (!parsed.success) throw new AppError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  const review = parsed.data;
  const edited = review.question !== undefined || review.answer !== undefined;
  if (edited && review.label === "reject") throw new AppError("invalid_input", "label: an edited pair is accepted (send label \"accept\" with the edit)");
  return writeProgram(function* () {
    const existing = yield* get<{ id: number; question: string; answer: string }>(`SELECT "id", "question", "answer" FROM "SparePair" WHERE "id" = ?`, pairId);
    if (!existing) throw new AppError("not_found", `SpaRE pair ${pairId} not found`);
    const label = edited ? "accept" : review.label;
    // an edit back to the generated text is no edit
    const question = review.question !== undefined && review.question !== existing.question ? review.question : null;
    const answer = review.answer !== undefined && review.answer !== existing.answer ? review.answer : null;
    if (edited) {
      yield* run(`UPDATE "SparePair" SET "label" = ?, "editedQuestion" = ?, "editedAnswer" = ?, "reviewedAt" = ? WHERE "id" = ?`, label, question, answer, new Date().toISOString(), pairId);
    } else if (label === null) {
      yield* run(`UPDATE "SparePair" SET "label" = NULL, "editedQuestion" = NULL, "editedAnswer" = NULL, "reviewedAt" = NULL WHERE "id" = ?`, pairId);
    } else {
      yield* run(`UPDATE "SparePair" SET "label" = ?, "reviewedAt" = ? WHERE "id" = ?`, label, new Date().toISOString(), pairId);
    }
    const [pair] = yield* all<SparePairDto>(`SELECT ${PAIR_COLUMNS} FROM "SparePair" p WHERE p."id" = ?`, pairId);
    return pair;
  });
}

const IMAGE_TYPES: Record<string, string> = { ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif" };

/** A caption's image file (when it was found at import time and is still there). */
export async function spareCaptionImage(captionId: number): Promise<{ bytes: Buffer; type: string }> {
  const row = await (await sql()).get<{ imagePath: string | null; imageStatus: string }>(`SELECT "imagePath", "imageStatus" FROM "SpareCaption" WHERE "id" = ?`, [captionId]);
  if (!row) throw new AppError("not_found", `SpaRE caption ${captionId} not found`);
  if (row.imageStatus !== "present" || !row.imagePath) throw new AppError("not_found", `caption ${captionId} has no stored image (${row.imageStatus})`);
  const type = IMAGE_TYPES[path.extname(row.imagePath).toLowerCase()];
  if (!type) throw new AppError("not_found", `caption ${captionId}: unsupported image type`);
  try {
    return { bytes: fs.readFileSync(/*turbopackIgnore: true*/ row.imagePath), type };
  } catch {
    throw new AppError("not_found", `caption ${captionId}: image file is gone (${path.basename(row.imagePath)})`);
  }
}

/** The web form's run: checks and stores the captions (all or nothing), then runs the job in the background. */
export async function startSpareRun(input: SpareUploadRequest): Promise<{ job: number; resumed: boolean; captions: number; duplicates: number }> {
  const parsed = spareUploadRequest.safeParse(input);
  if (!parsed.success) throw new AppError("invalid_input", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  const { files, ...request } = parsed.data;
  const created = await createSpareRun({ files: files.map((f) => ({ file: f.name, buffer: Buffer.from(f.content, "utf8"), imagesDir: null })), request });
  if (created.job.status !== "done") await launchJob(created.job.id);
  return { job: created.job.id, resumed: created.resumed, captions: created.captions, duplicates: created.duplicates };
}

export async function cancelSpareRun(jobId: number): Promise<{ id: number; status: string }> {
  await spareJob(jobId);
  const job = await cancelJob(jobId);
  return { id: job.id, status: job.status };
}
