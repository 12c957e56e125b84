import path from "node:path";
import { run, sql, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { ExternalLabel } from "@/lib/formats/types";
import { getJob } from "@/lib/jobs/jobs";
import type { PublishResult, SpareJobConfig } from "@/lib/schemas/spare";
import { importRecords, type SourcedRecord } from "@/lib/services/import/imports";
import { SPARE_JOB_KIND } from "@/lib/services/spare/spare-jobs";
import { spareRelation } from "@/lib/spare/taxonomy";
import { resolveRelationLabel } from "@/lib/taxonomy/relations";

// Publishing a SpaRE run (docs/design.md §12): its pairs become traces of the run's dataset — one
// trace per pair (question, image, one answer step) — so the export machinery (splits, de-dup,
// relation-class caps and weights, archive, card) serves them, in the VQA SFT format above all.
// What goes in: pairs every filter kept, unless a reviewer rejected them, and pairs a filter removed
// that a reviewer accepted (the reviewer overrides the filter); edits replace the generated text.
// Publishing again replaces the run's earlier traces, so labels and edits made since are picked up.

export const SPARE_TRACE_FORMAT = "spare";


interface PublishRow {
  id: number;
  question: string;
  answer: string;
  editedQuestion: string | null;
  editedAnswer: string | null;
  relation: string;
  relationClass: string;
  frame: string;
  status: string;
  removedBy: string | null;
  label: string | null;
  captionId: number;
  source: string;
  image: string | null;
  imageStatus: string;
  imagePath: string | null;
  captionFile: string;
  captionLine: number;
}

/** Our taxonomy's relation for a SpaRE relation: the first of its keywords ours resolves to the same class. */
function relationLabel(relation: string): string | null {
  const spare = spareRelation(relation);
  if (!spare) return null;
  for (const keyword of [relation, ...spare.keywords]) {
    const info = resolveRelationLabel(keyword);
    if (info && info.class === spare.class) return info.relation;
  }
  return null;
}

export const spareExternalId = (jobId: number, pairId: number) => `spare-${jobId}-${pairId}`;

export async function publishSpareRun(jobId: number): Promise<PublishResult> {
  const job = await getJob(jobId);
  if (job.kind !== SPARE_JOB_KIND) throw new AppError("not_found", `job ${jobId} is not a SpaRE run`);
  if (job.status !== "done") throw new AppError("conflict", `SpaRE job ${jobId} is ${job.status}: publish it when it is done`);
  const config = job.config as SpareJobConfig;
  const rows = await (await sql()).all<PublishRow>(
    `SELECT p."id", p."question", p."answer", p."editedQuestion", p."editedAnswer", p."relation", p."relationClass", p."frame", p."status", p."removedBy", p."label",
            c."id" AS "captionId", c."source", c."image", c."imageStatus", c."imagePath", c."file" AS "captionFile", c."line" AS "captionLine"
     FROM "SparePair" p JOIN "SpareCaption" c ON c."id" = p."captionId" WHERE p."jobId" = ? ORDER BY p."id"`,
    [jobId],
  );

  const leftOut = { rejected: 0, removed: 0 };
  const records: SourcedRecord[] = [];
  const imageDirs = new Set<string>();
  for (const row of rows) {
    if (row.label === "reject") {
      leftOut.rejected++;
      continue;
    }
    if (row.status !== "kept" && row.label !== "accept") {
      leftOut.removed++;
      continue;
    }
    const question = row.editedQuestion ?? row.question;
    const answer = row.editedAnswer ?? row.answer;
    let image: string | null = null;
    if (row.imageStatus === "present" && row.imagePath) {
      image = path.basename(row.imagePath);
      imageDirs.add(path.dirname(row.imagePath));
    } else if (row.imageStatus === "remote") image = row.image;
    const labels: ExternalLabel[] = row.label === "accept" ? [{ stepIndex: null, label: "accept", source: "external:spare-review", provenance: { job: jobId, pair: row.id, edited: Boolean(row.editedQuestion ?? row.editedAnswer) } }] : [];
    records.push({
      type: "trace",
      line: records.length + 1,
      file: `spare-job-${jobId}`,
      value: {
        externalId: spareExternalId(jobId, row.id),
        image,
        question,
        answer,
        finalAnswer: answer,
        teacherModel: config.chat?.model ?? "rules",
        method: "spare",
        format: SPARE_TRACE_FORMAT,
        raw: JSON.stringify({ job: jobId, pair: row.id, caption: row.captionId, source: row.source, file: row.captionFile, line: row.captionLine, question, answer, relation: row.relation, class: row.relationClass, frame: row.frame, label: row.label }),
        steps: [{ kind: "answer", text: answer }],
        labels,
        ...(relationLabel(row.relation) ? { relations: [relationLabel(row.relation)!] } : {}),
      },
    });
  }
  if (records.length === 0) throw new AppError("invalid_input", `SpaRE job ${jobId} has no pair to publish (${leftOut.rejected} rejected, ${leftOut.removed} removed by filters)`);

  const replaced = await writeProgram(function* () {
    return (yield* run(`DELETE FROM "Trace" WHERE "datasetId" = ? AND "format" = ? AND "externalId" LIKE ?`, config.datasetId, SPARE_TRACE_FORMAT, `spare-${jobId}-%`)).changes;
  });
  const summary = await importRecords({ dataset: config.dataset, records, imagesDirs: [...imageDirs] });
  return { job: jobId, dataset: config.dataset, traces: summary.created.traces + summary.duplicates, left_out: leftOut, replaced };
}
