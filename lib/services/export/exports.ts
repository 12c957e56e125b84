import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { db } from "@/lib/db";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { archiveStream } from "@/lib/formats/export/archive";
import type { Manifest } from "@/lib/formats/export/manifest";
import {
  ACTIVE_EXPORT_STATUSES,
  EXPORT_CLASSES,
  isActiveExport,
  type ExportCliResult,
  type ExportConfig,
  type ExportDetailDto,
  type ExportDto,
  type ExportFileEntry,
  type ExportOptionsDto,
  type ExportPreview,
  type ExportStatus,
  type SkipCounts,
} from "@/lib/schemas/exports";
import { listDatasetNames } from "@/lib/services/traces/datasets";
import { buildExport, parseExportConfig, previewExport as preview, type ProgressHandler } from "@/lib/services/export/export-build";
import { activeJob, exportDir, exportKey, exportsRoot } from "@/lib/services/export/export-jobs";
import { dataDirId } from "@/lib/jobs/data-dir";
import { ownerGone } from "@/lib/jobs/owner";
import { queueEnabled } from "@/lib/jobs/queue";

// Export service: config parsing, the synchronous export (CLI), previews, and the read side of
// background export jobs (list, detail, archive, delete). Jobs themselves run in export-jobs.ts.

export interface RunExportOptions {
  config: unknown;
  out: string;
  overwrite?: boolean;
  onProgress?: ProgressHandler;
  /** Each warning (an empty or small split, an image in two splits); also in the card and manifest. */
  onWarning?: (warning: string) => void;
}

/** Synchronous export into a folder (the CLI); returns the contract of issue 7. */
export async function runExport(options: RunExportOptions): Promise<ExportCliResult> {
  const config = parseExportConfig(options.config);
  const result = await buildExport({ config, out: options.out, overwrite: options.overwrite, onProgress: options.onProgress });
  for (const warning of result.warnings) options.onWarning?.(warning);
  return { out: result.out, files: result.files.map((f) => ({ path: f.path, rows: f.rows, sha256: f.sha256 })), rows: result.rows, skipped: result.skipped };
}

export async function previewExport(input: unknown): Promise<ExportPreview> {
  return preview(parseExportConfig(input));
}

// ---------- jobs: read side ----------

/** The export's folder and any staging folder a dead process left behind (`<id>.partial-…`). */
export function removeExportFiles(id: number): void {
  fs.rmSync(exportDir(id), { recursive: true, force: true });
  if (!fs.existsSync(exportsRoot())) return;
  for (const name of fs.readdirSync(exportsRoot())) {
    if (name.startsWith(`${id}.partial-`)) fs.rmSync(path.join(exportsRoot(), name), { recursive: true, force: true });
  }
}

function slug(text: string): string {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "export";
}

export function archiveBaseName(id: number, name: string): string {
  return `${slug(name)}-${id}`;
}

type ExportRow = Awaited<ReturnType<ReturnType<typeof db>["export"]["findFirstOrThrow"]>>;

/** What an export this process is not running is doing (PostgreSQL job queue): the row says. */
function remoteStage(row: ExportRow): string | null {
  if (row.status === "running" && row.ownerPid !== null) return `Running in worker ${row.ownerPid}${row.ownerHost ? ` on ${row.ownerHost}` : ""}`;
  if (row.status === "queued" && queueEnabled()) return "Queued for a worker on this data dir";
  return null;
}

function toDto(row: ExportRow): ExportDto {
  const config = row.config as unknown as ExportConfig;
  const status = row.status as ExportStatus;
  return {
    id: row.id,
    name: row.name,
    format: row.format as ExportConfig["format"],
    datasets: config.datasets ?? [],
    config,
    status,
    progress: row.progress,
    stage: activeJob(row.id)?.stage ?? remoteStage(row),
    rows: row.rows,
    files: (row.files as unknown as ExportFileEntry[] | null) ?? [],
    skipped: (row.skipped as unknown as SkipCounts | null) ?? {},
    counts: null,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    archiveName: status === "done" ? `${archiveBaseName(row.id, row.name)}.tar.gz` : null,
  };
}

/** An export queued or running whose process is gone (lib/jobs/owner.ts): it can never finish. */
export function exportAbandoned(row: Pick<ExportRow, "id" | "status" | "ownerPid" | "ownerHost" | "heartbeatAt" | "createdAt">): boolean {
  // waiting on the PostgreSQL job queue for a worker (no owner yet): not abandoned however long it waits
  if (queueEnabled() && row.status === "queued" && row.ownerPid === null && row.ownerHost === null && row.heartbeatAt === null) return false;
  return isActiveExport(row.status) && !activeJob(row.id) && ownerGone(row, exportKey(row.id), { since: row.createdAt });
}

export const INTERRUPTED_EXPORT = "interrupted: the process running this export stopped before it finished; start it again";

/** Jobs left queued/running by a process that is gone can never finish: say so. */
async function markInterrupted(rows: ExportRow[]): Promise<ExportRow[]> {
  const stale = rows.filter(exportAbandoned);
  if (stale.length === 0) return rows;
  for (const row of stale) removeExportFiles(row.id);
  await db().export.updateMany({
    where: { id: { in: stale.map((r) => r.id) }, status: { in: [...ACTIVE_EXPORT_STATUSES] } },
    data: { status: "failed", error: INTERRUPTED_EXPORT, finishedAt: new Date() },
  });
  return db().export.findMany({ where: { id: { in: rows.map((r) => r.id) } }, orderBy: { id: "desc" } });
}

export async function listExports(): Promise<ExportDto[]> {
  const rows = await db().export.findMany({ orderBy: { id: "desc" }, take: 200 });
  return (await markInterrupted(rows)).map(toDto);
}

function readManifest(id: number): Manifest | null {
  const file = path.join(exportDir(id), "manifest.json");
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

export async function getExport(id: number): Promise<ExportDetailDto> {
  const row = await db().export.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `export ${id} not found`);
  const [fresh] = await markInterrupted([row]);
  const dto = toDto(fresh);
  const manifest = dto.status === "done" ? readManifest(id) : null;
  const cardFile = path.join(exportDir(id), "README.md");
  return {
    ...dto,
    counts: manifest?.counts ?? null,
    card: dto.status === "done" && fs.existsSync(cardFile) ? fs.readFileSync(cardFile, "utf8") : null,
    manifest,
  };
}

export async function exportArchive(id: number): Promise<{ name: string; stream: Readable }> {
  const row = await db().export.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `export ${id} not found`);
  if (row.status !== "done") throw new AppError("conflict", `export ${id} is ${row.status}; only finished exports can be downloaded`);
  const dir = exportDir(id);
  if (!fs.existsSync(path.join(dir, "manifest.json"))) {
    // written by a process on another data dir (before exports went on their data dir's queue, or a
    // data dir that was swapped): say so, rather than that the files are gone
    if (row.dataDir && row.dataDir !== dataDirId()) {
      throw new AppError("not_found", `export ${id} was written into another data dir (id ${row.dataDir}), not this server's ${dataDir()} (id ${dataDirId()}): download it where STEPWISE_DATA_DIR is that directory, or start it again here`);
    }
    throw new AppError("not_found", `the files of export ${id} are gone from ${dir}`);
  }
  const base = archiveBaseName(id, row.name);
  return { name: `${base}.tar.gz`, stream: archiveStream(dir, base) };
}

export async function deleteExport(id: number): Promise<{ deleted: number }> {
  const row = await db().export.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `export ${id} not found`);
  if (activeJob(id)) throw new AppError("conflict", `export ${id} is still ${row.status}; cancel it first`);
  removeExportFiles(id);
  await db().export.delete({ where: { id } });
  return { deleted: id };
}

/** What the export form offers: datasets with their finished verifier runs, versions, classes. */
export async function exportOptions(): Promise<ExportOptionsDto> {
  const [datasets, traces, runs] = await Promise.all([
    listDatasetNames(),
    db().trace.groupBy({ by: ["datasetId"], _count: { _all: true } }),
    db().verifierRun.findMany({ where: { status: "done" }, orderBy: { id: "desc" }, select: { id: true, datasetId: true, finishedAt: true, config: { select: { version: true, name: true } } } }),
  ]);
  const versions = new Map<number, string>();
  for (const r of runs) versions.set(r.config.version, r.config.name);
  return {
    datasets: datasets.map((d) => ({
      name: d.name,
      traces: traces.find((t) => t.datasetId === d.id)?._count._all ?? 0,
      runs: runs.filter((r) => r.datasetId === d.id).map((r) => ({ runId: r.id, version: r.config.version, name: r.config.name, finishedAt: r.finishedAt?.toISOString() ?? null })),
    })),
    verifierVersions: [...versions.entries()].sort((a, b) => b[0] - a[0]).map(([version, name]) => ({ version, name })),
    classes: [...EXPORT_CLASSES],
  };
}
