import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { sql, transaction } from "@/lib/db/sql";
import { dataDir } from "@/lib/env";
import { findStaleJobs } from "@/lib/jobs/jobs";
import { describeOwner, ownerGone, pidAlive, type OwnedRow } from "@/lib/jobs/owner";
import { ACTIVE_EXPORT_STATUSES } from "@/lib/schemas/exports";
import { exportsRoot } from "@/lib/services/export/export-jobs";
import { exportAbandoned, INTERRUPTED_EXPORT, removeExportFiles } from "@/lib/services/export/exports";
import { imagesRoot } from "@/lib/services/import/image-store";
import { importsWithRows, ownedRowCounts, removeImportRows } from "@/lib/services/import/import-rollback";
import { UPLOAD_OWNER_FILE, uploadKey, UPLOADS } from "@/lib/services/import/upload-folders";
import { abandonedVerifierRuns, dropRunInBatches } from "@/lib/services/verify/verify-store";

// Crash recovery, one mechanism for every job kind (docs/design.md §11, docs/recovery.md). A job
// row (verifier run, import, export, generic Job) records its owner (lib/jobs/owner.ts); a row
// still "running" whose owner is gone can never finish. `recover` finds each such row and what
// the dead process left on disk, and with `fix` repairs it:
//   verifier runs  → removed with their partial verdicts and scores, in bounded batches;
//   imports        → the rows their chunked write pass committed removed (by import id, in
//                    bounded batches), marked failed, their upload folder removed;
//   exports        → marked failed, their folder and staging folders removed;
//   jobs           → marked failed and resumable (done items are kept: each committed atomically);
//   upload folders → removed when the process receiving them is gone;
//   image files    → removed when no Image row references them and no live import may still;
//   export folders → removed when no Export row owns them.
// The server runs it at start-up (instrumentation.ts) and every few minutes; `stepwise doctor`
// reports it and `doctor --fix` repairs. Both dialects (docs/design.md §14): rows are read and
// changed through Prisma or the SQL seam (lib/db/sql.ts).

export type FindingKind = "verifier-run" | "import" | "export" | "job" | "upload" | "image" | "export-files" | "temp-file";

export interface Finding {
  kind: FindingKind;
  /** The row id, or the path relative to the data dir. */
  id: string;
  detail: string;
  /** Rows (partial verdicts/scores) or bytes (files) it holds. */
  rows?: number;
  bytes?: number;
  fixed: boolean;
  /** Why the repair failed (the finding stays). */
  error?: string;
}

export interface RecoveryReport {
  findings: Finding[];
  /** How many findings were repaired. */
  fixed: number;
}

export interface RecoveryOptions {
  fix: boolean;
  /** An owner on another host (or an unstamped row) silent for this long is gone (default 2 min). */
  staleMs?: number;
  /** Upload folders without an owner file are abandoned after this long (default 24 h). */
  orphanUploadMs?: number;
}

const INTERRUPTED_IMPORT = "interrupted: the process running this import stopped before it finished; nothing of it was kept — import the files again";
const INTERRUPTED_JOB = "interrupted: the process running this job stopped; resume it to continue where it stopped (finished items are kept)";
const DAY = 24 * 60 * 60_000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs a repair and records its outcome on the finding. */
async function repair(finding: Finding, fix: boolean, work: () => Promise<unknown> | unknown): Promise<Finding> {
  if (!fix) return finding;
  try {
    await work();
    finding.fixed = true;
  } catch (error) {
    finding.error = errorText(error);
  }
  return finding;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** A path recorded on a row, resolved inside `root` only (a tampered row never deletes elsewhere). */
function inside(root: string, relative: string): string | null {
  const absolute = path.resolve(dataDir(), relative);
  const rel = path.relative(root, absolute);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? absolute : null;
}

async function verifierRuns(options: RecoveryOptions): Promise<Finding[]> {
  const q = await sql();
  const findings: Finding[] = [];
  for (const run of await abandonedVerifierRuns({ staleMs: options.staleMs })) {
    const rows = (await q.get<{ n: number }>(`SELECT (SELECT COUNT(*) FROM "Verdict" WHERE "runId" = ?) + (SELECT COUNT(*) FROM "TraceScore" WHERE "runId" = ?) AS "n"`, [run.id, run.id]))?.n ?? 0;
    const finding: Finding = {
      kind: "verifier-run",
      id: String(run.id),
      detail: `verifier run ${run.id} is ${run.status === "failed" ? "failed and half removed" : `${run.status} but its process is gone (${describeOwner(run)})`}; ${rows} partial verdict and score rows`,
      rows,
      fixed: false,
    };
    findings.push(await repair(finding, options.fix, () => dropRunInBatches(run.id)));
  }
  return findings;
}

/** "12 traces, 3 questions" — the rows a dead import still owns. */
function ownedRows(counts: Record<string, number>): { rows: number; text: string } {
  const parts = Object.entries(counts).filter(([, n]) => n > 0);
  return { rows: parts.reduce((sum, [, n]) => sum + n, 0), text: parts.length ? parts.map(([table, n]) => `${n} ${table.toLowerCase()} rows`).join(", ") : "no rows written" };
}

async function imports(options: RecoveryOptions): Promise<Finding[]> {
  const rows = await db().import.findMany({ where: { status: "running" }, orderBy: { id: "asc" } });
  const findings: Finding[] = [];
  for (const row of rows) {
    if (!ownerGone(row, `import:${row.id}`, { staleMs: options.staleMs, since: row.createdAt })) continue;
    // the write pass commits in chunks: what the dead process committed is removed by its import id
    const owned = ownedRows(await ownedRowCounts(row.id));
    const finding: Finding = { kind: "import", id: String(row.id), detail: `import ${row.id} into "${row.datasetName ?? "?"}" is running but its process is gone (${describeOwner(row)}); ${owned.text}`, rows: owned.rows, fixed: false };
    findings.push(
      await repair(finding, options.fix, async () => {
        await removeImportRows(row.id);
        const upload = row.uploadDir ? inside(path.join(dataDir(), UPLOADS), row.uploadDir) : null;
        if (upload) fs.rmSync(upload, { recursive: true, force: true });
        await db().import.updateMany({ where: { id: row.id, status: "running" }, data: { status: "failed", error: INTERRUPTED_IMPORT, finishedAt: new Date() } });
      }),
    );
  }
  // a failed import whose own clean-up was cut short (the process died while removing its rows)
  for (const id of await importsWithRows()) {
    const owned = ownedRows(await ownedRowCounts(id));
    const finding: Finding = { kind: "import", id: String(id), detail: `import ${id} failed but ${owned.text} of it are still stored`, rows: owned.rows, fixed: false };
    findings.push(await repair(finding, options.fix, () => removeImportRows(id)));
  }
  return findings;
}

async function exports(options: RecoveryOptions): Promise<Finding[]> {
  const rows = await db().export.findMany({ where: { status: { in: [...ACTIVE_EXPORT_STATUSES] } }, orderBy: { id: "asc" } });
  const findings: Finding[] = [];
  for (const row of rows) {
    if (!exportAbandoned(row)) continue;
    const finding: Finding = { kind: "export", id: String(row.id), detail: `export ${row.id} "${row.name}" is ${row.status} but its process is gone (${describeOwner(row)})`, fixed: false };
    findings.push(
      await repair(finding, options.fix, async () => {
        removeExportFiles(row.id);
        await db().export.updateMany({ where: { id: row.id, status: { in: [...ACTIVE_EXPORT_STATUSES] } }, data: { status: "failed", error: INTERRUPTED_EXPORT, finishedAt: new Date() } });
      }),
    );
  }
  // folders no export owns: a deleted row's folder, staging folders of exports no longer running
  if (fs.existsSync(exportsRoot())) {
    const live = new Set((await db().export.findMany({ where: { status: { in: [...ACTIVE_EXPORT_STATUSES] } }, select: { id: true } })).map((r) => r.id));
    const known = new Set((await db().export.findMany({ select: { id: true } })).map((r) => r.id));
    for (const name of fs.readdirSync(exportsRoot())) {
      const match = /^(\d+)(\.partial-.*)?$/.exec(name);
      if (!match) continue;
      const id = Number(match[1]);
      const orphan = match[2] ? !live.has(id) : !known.has(id);
      if (!orphan) continue;
      const full = path.join(exportsRoot(), name);
      const finding: Finding = { kind: "export-files", id: path.relative(dataDir(), full), detail: `${path.relative(dataDir(), full)}: ${match[2] ? "staging folder of an export that is not running" : `folder of export ${id}, which no longer exists`}`, bytes: folderBytes(full), fixed: false };
      findings.push(await repair(finding, options.fix, () => fs.rmSync(full, { recursive: true, force: true })));
    }
  }
  return findings;
}

async function jobs(options: RecoveryOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const job of await findStaleJobs({ staleMs: options.staleMs })) {
    const finding: Finding = { kind: "job", id: String(job.id), detail: `${job.kind} job ${job.id} is ${job.status} but its process is gone (${describeOwner(job)}); ${job.done} of ${job.total} items done`, fixed: false };
    findings.push(
      await repair(finding, options.fix, () =>
        transaction(async (tx) => {
          // compare-and-swap on `runs`: a process that resumed it meanwhile keeps it
          const { changes } = await tx.run(`UPDATE "Job" SET "status" = ?, "error" = ?, "finishedAt" = ? WHERE "id" = ? AND "runs" = ? AND "status" IN ('running', 'cancelling')`, [
            job.status === "cancelling" ? "cancelled" : "failed",
            job.status === "cancelling" ? "cancelled; its process stopped before it could finish" : INTERRUPTED_JOB,
            new Date(),
            job.id,
            job.runs,
          ]);
          if (changes) await tx.run(`UPDATE "JobItem" SET "status" = 'pending' WHERE "jobId" = ? AND "status" = 'running'`, [job.id]);
        }),
      ),
    );
  }
  return findings;
}

async function uploads(options: RecoveryOptions): Promise<Finding[]> {
  const root = path.join(dataDir(), UPLOADS);
  if (!fs.existsSync(root)) return [];
  const findings: Finding[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const stat = fs.statSync(dir);
    let owner: OwnedRow | null = null;
    try {
      owner = JSON.parse(fs.readFileSync(path.join(dir, UPLOAD_OWNER_FILE), "utf8")) as OwnedRow;
    } catch {
      owner = null;
    }
    // with an owner file, the receiving process decides; without one (older builds), age does
    const abandoned = owner
      ? ownerGone({ ownerPid: owner.ownerPid ?? null, ownerHost: owner.ownerHost ?? null, heartbeatAt: stat.mtime }, uploadKey(dir), { staleMs: Math.max(options.staleMs ?? 0, DAY) })
      : Date.now() - stat.mtimeMs > (options.orphanUploadMs ?? DAY);
    if (!abandoned) continue;
    const finding: Finding = { kind: "upload", id: path.relative(dataDir(), dir), detail: `upload folder ${path.relative(dataDir(), dir)} was left by ${owner ? describeOwner(owner) : "an unknown process"}`, bytes: folderBytes(dir), fixed: false };
    findings.push(await repair(finding, options.fix, () => fs.rmSync(dir, { recursive: true, force: true })));
  }
  return findings;
}

/** Image files: unreferenced ones (when no live import may still reference them) and temporary files of dead writers. */
async function images(options: RecoveryOptions): Promise<Finding[]> {
  const root = imagesRoot();
  if (!fs.existsSync(root)) return [];
  // a live import stores its files before its write pass commits: files newer than its start are its own
  const running = await db().import.findMany({ where: { status: "running" }, select: { id: true, createdAt: true, ownerPid: true, ownerHost: true, heartbeatAt: true } });
  const live = running.filter((r) => !ownerGone(r, `import:${r.id}`, { staleMs: options.staleMs, since: r.createdAt }));
  const cutoff = live.length ? Math.min(...live.map((r) => r.createdAt.getTime())) - 60_000 : Number.POSITIVE_INFINITY;
  const q = await sql();
  const findings: Finding[] = [];
  for (const prefix of fs.readdirSync(root, { withFileTypes: true })) {
    if (!prefix.isDirectory()) continue;
    const dir = path.join(root, prefix.name);
    const names = fs.readdirSync(dir);
    for (let i = 0; i < names.length; i += 500) {
      const batch = names.slice(i, i + 500);
      const candidates: string[] = [];
      for (const name of batch) {
        const full = path.join(dir, name);
        const temp = /\.(\d+)\.tmp$/.exec(name);
        if (temp) {
          if (pidAlive(Number(temp[1]))) continue;
          const finding: Finding = { kind: "temp-file", id: path.relative(dataDir(), full), detail: `${path.relative(dataDir(), full)}: a half-written image of a process that is gone`, bytes: fs.statSync(full).size, fixed: false };
          findings.push(await repair(finding, options.fix, () => fs.rmSync(full, { force: true })));
          continue;
        }
        candidates.push(path.relative(dataDir(), full));
      }
      if (!candidates.length) continue;
      const referenced = new Set(
        (await q.all<{ path: string }>(`SELECT "path" FROM "Image" WHERE "path" IN (${candidates.map(() => "?").join(", ")})`, candidates)).map((r) => r.path),
      );
      for (const relative of candidates) {
        if (referenced.has(relative)) continue;
        const full = path.join(dataDir(), relative);
        const stat = fs.statSync(full);
        if (!stat.isFile() || stat.mtimeMs >= cutoff) continue;
        const finding: Finding = { kind: "image", id: relative, detail: `${relative}: an image file no Image row references`, bytes: stat.size, fixed: false };
        findings.push(await repair(finding, options.fix, () => fs.rmSync(full, { force: true })));
      }
    }
  }
  return findings;
}

/**
 * Finds (and with `fix`, repairs) what dead processes left behind. Rows go before files: an
 * import marked failed no longer protects the files it stored, which the image sweep then finds.
 */
export async function recover(options: RecoveryOptions): Promise<RecoveryReport> {
  const findings: Finding[] = [];
  for (const step of [verifierRuns, imports, exports, jobs, uploads, images]) findings.push(...(await step(options)));
  return { findings, fixed: findings.filter((f) => f.fixed).length };
}

const RECOVERY_INTERVAL_MS = 5 * 60_000;
const globalForRecovery = globalThis as unknown as { __stepwiseRecovery?: ReturnType<typeof setInterval> };

/**
 * The server's start-up recovery (instrumentation.ts), then again every few minutes (a CLI run
 * killed while the server runs is cleaned up too). Never throws; logs what it repaired.
 */
export function startRecovery(log: (message: string) => void = (m) => console.error(m)): void {
  if (globalForRecovery.__stepwiseRecovery) return;
  const once = async () => {
    try {
      const report = await recover({ fix: true });
      for (const f of report.findings) log(`stepwise recovery: ${f.fixed ? "repaired" : "could not repair"} ${f.detail}${f.error ? `: ${f.error}` : ""}`);
    } catch (error) {
      log(`stepwise recovery: ${errorText(error)}`);
    }
  };
  void once();
  globalForRecovery.__stepwiseRecovery = setInterval(() => void once(), RECOVERY_INTERVAL_MS);
  globalForRecovery.__stepwiseRecovery.unref();
}
