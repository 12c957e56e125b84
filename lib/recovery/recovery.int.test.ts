import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { sql, writeProgram } from "@/lib/db/sql";
import { dataDir } from "@/lib/env";
import { generateProgram } from "@/fixtures/export/generate";
import { fixtureKind } from "@/lib/jobs/job-fixture";
import { createJob, getJob, runJob } from "@/lib/jobs/jobs";
import { recover } from "@/lib/recovery/recovery";
import { UPLOAD_OWNER_FILE } from "@/lib/services/import/upload-folders";
import { runVerifier } from "@/lib/services/verify/verify";
import { exportDir, exportsRoot } from "@/lib/services/export/export-jobs";

// Kill-and-recover: each job kind runs in a real child process (the CLI, or
// lib/recovery/recovery-child.ts) against this file's SQLite database and data dir, and SIGKILLs
// itself at a crash point (STEPWISE_CRASH_AT, lib/jobs/crash-point.ts) half-way. The test then
// asserts what the crash left, that `recover` reports it without touching anything, and that
// `recover({ fix: true })` leaves nothing half-written — and the same work then succeeds.

// child processes under a loaded machine: a CLI start alone can take tens of seconds
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const TRACE_FILE = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");
const IMAGES = path.resolve("prisma/demo/clevr");
const IMAGE_781 = path.join(IMAGES, "CLEVR_train_000781.png");

interface Crashed {
  pid: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point in one node process (tsx as a loader: the pid is the owner's) until it exits. */
function crashChild(script: string, args: string[], crashAt: string | null): Promise<Crashed> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (crashAt) env.STEPWISE_CRASH_AT = crashAt;
    else delete env.STEPWISE_CRASH_AT;
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve(script), ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ pid: child.pid!, signal, code, stdout, stderr }));
  });
}

const cli = (args: string[], crashAt: string | null = null) => crashChild("lib/cli/main.ts", args, crashAt);
const child = (args: string[], crashAt: string | null = null) => crashChild("lib/recovery/recovery-child.ts", args, crashAt);

function expectKilled(result: Crashed): void {
  if (result.signal !== "SIGKILL") throw new Error(`expected the child to be killed, it exited ${result.code}: ${result.stderr}`);
}

/** Image files in the store (relative to the data dir). */
function storedImages(): string[] {
  const root = path.join(dataDir(), "images");
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((prefix) => fs.readdirSync(path.join(root, prefix)).map((name) => path.join("images", prefix, name)));
}

async function verdictRows(runId: number): Promise<number> {
  return (await (await sql()).get<{ n: number }>(`SELECT (SELECT COUNT(*) FROM "Verdict" WHERE "runId" = ?) + (SELECT COUNT(*) FROM "TraceScore" WHERE "runId" = ?) AS n`, [runId, runId]))!.n;
}

const deadPid = () => spawnSync("true").pid!;

beforeAll(async () => {
  await writeProgram(() => generateProgram({ dataset: "kill-verify", traces: 500, tracesPerImage: 5 }));
  await writeProgram(() => generateProgram({ dataset: "kill-export", traces: 300, tracesPerImage: 3 }));
});

describe("crash recovery: verifier runs", () => {
  it.each([
    ["after its second batch", "verify:batch@2"],
    ["inside its last transaction", "verify:commit"],
  ])("a run killed %s is reported, then removed with every partial row; no trace was touched and the next run succeeds", async (_label, point) => {
    const crashed = await cli(["verify", "--dataset", "kill-verify"], point);
    expectKilled(crashed);
    const run = await db().verifierRun.findFirstOrThrow({ where: { dataset: { name: "kill-verify" } }, orderBy: { id: "desc" } });
    expect(run).toMatchObject({ status: "running", ownerPid: crashed.pid, ownerHost: os.hostname() });
    const partial = await verdictRows(run.id);
    if (point.startsWith("verify:batch")) expect(partial).toBeGreaterThan(0);
    // the Trace columns are written in the last transaction only: a kill never leaves them half set
    expect(await db().trace.count({ where: { dataset: { name: "kill-verify" }, runId: run.id } })).toBe(0);

    const report = await recover({ fix: false });
    const finding = report.findings.find((f) => f.kind === "verifier-run" && f.id === String(run.id));
    expect(finding).toMatchObject({ fixed: false, rows: partial });
    expect(finding!.detail).toContain(`pid ${crashed.pid}`);
    expect(await verdictRows(run.id)).toBe(partial); // reporting changes nothing

    const fixed = await recover({ fix: true });
    expect(fixed.findings.find((f) => f.kind === "verifier-run" && f.id === String(run.id))?.fixed).toBe(true);
    expect(await db().verifierRun.findUnique({ where: { id: run.id } })).toBeNull();
    expect(await verdictRows(run.id)).toBe(0);
    expect((await recover({ fix: false })).findings.filter((f) => f.kind === "verifier-run")).toEqual([]);

    const summary = await runVerifier({ dataset: "kill-verify" });
    expect(summary.traces).toBe(500);
  });

  it("a run owned by a live process is left alone; cancelling a dead run removes it at once instead of 'cancelling' forever", async () => {
    const { id: datasetId } = await db().dataset.findUniqueOrThrow({ where: { name: "kill-verify" } });
    const config = await db().verifierConfig.findFirstOrThrow();
    const live = await db().verifierRun.create({ data: { datasetId, configId: config.id, status: "running", ownerPid: process.ppid, ownerHost: os.hostname(), heartbeatAt: new Date() } });
    const dead = await db().verifierRun.create({ data: { datasetId, configId: config.id, status: "cancelling", ownerPid: deadPid(), ownerHost: os.hostname(), heartbeatAt: new Date() } });
    const ids = (await recover({ fix: false })).findings.filter((f) => f.kind === "verifier-run").map((f) => f.id);
    expect(ids).toContain(String(dead.id));
    expect(ids).not.toContain(String(live.id));
    const { cancelRun } = await import("@/lib/services/verify/verify");
    expect(await cancelRun(dead.id)).toEqual({ id: dead.id, status: "cancelled" });
    expect(await db().verifierRun.findUnique({ where: { id: dead.id } })).toBeNull();
    await db().verifierRun.delete({ where: { id: live.id } });
  });
});

describe("crash recovery: imports", () => {
  it.each([
    ["after storing its image files", "import:images-stored"],
    ["inside its write transaction", "import:commit"],
    ["right after the check pass", "import:validated"],
  ])("a CLI import killed %s leaves a running history row and no dataset rows; recovery marks it failed and sweeps its image files", async (_label, point) => {
    const before = storedImages();
    const crashed = await cli(["import", TRACE_FILE, "--dataset", `kill-import-${point}`, "--images", IMAGES], point);
    expectKilled(crashed);
    const row = await db().import.findFirstOrThrow({ where: { datasetName: `kill-import-${point}` } });
    expect(row).toMatchObject({ status: "running", ownerPid: crashed.pid });
    expect(await db().trace.count({ where: { dataset: { name: `kill-import-${point}` } } })).toBe(0);
    const orphans = storedImages().filter((f) => !before.includes(f));
    if (point !== "import:validated") expect(orphans).toHaveLength(1);

    const report = await recover({ fix: false });
    expect(report.findings.find((f) => f.kind === "import" && f.id === String(row.id))).toMatchObject({ fixed: false });
    for (const orphan of orphans) expect(report.findings.find((f) => f.kind === "image" && f.id === orphan)).toBeDefined();

    await recover({ fix: true });
    const after = await db().import.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.status).toBe("failed");
    expect(after.error).toMatch(/interrupted/);
    expect(storedImages()).toEqual(before);
    expect((await recover({ fix: false })).findings).toEqual([]);
  });

  it("a CLI import killed between two committed write chunks leaves its first chunk's rows; recovery removes them with the dataset it created", async () => {
    const before = storedImages();
    // one record per chunk: the two-trace file commits its image, question and first trace before the kill
    process.env.STEPWISE_IMPORT_CHUNK = "1";
    const crashed = await cli(["import", TRACE_FILE, "--dataset", "kill-import-chunk", "--images", IMAGES], "import:chunk@2").finally(() => delete process.env.STEPWISE_IMPORT_CHUNK);
    expectKilled(crashed);
    const row = await db().import.findFirstOrThrow({ where: { datasetName: "kill-import-chunk" } });
    expect(row.status).toBe("running");
    const written = await db().trace.count({ where: { importId: row.id } });
    expect(written).toBeGreaterThanOrEqual(1);
    expect(await db().dataset.findUnique({ where: { name: "kill-import-chunk" } })).not.toBeNull();

    const report = await recover({ fix: false });
    const finding = report.findings.find((f) => f.kind === "import" && f.id === String(row.id));
    expect(finding?.detail).toMatch(/trace rows/);
    expect(finding?.rows).toBeGreaterThanOrEqual(written);
    expect(await db().trace.count({ where: { importId: row.id } })).toBe(written);

    await recover({ fix: true });
    expect((await db().import.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("failed");
    for (const table of ["trace", "question", "image"] as const) expect(await (db()[table] as unknown as { count: (a: object) => Promise<number> }).count({ where: { importId: row.id } })).toBe(0);
    expect(await db().dataset.findUnique({ where: { name: "kill-import-chunk" } })).toBeNull();
    expect(storedImages()).toEqual(before);
    expect((await recover({ fix: false })).findings).toEqual([]);
  });

  it("a browser upload killed while receiving leaves a folder recovery removes; killed while importing, the import row and its folder are recovered", async () => {
    const received = await child(["upload", "kill-upload", TRACE_FILE, IMAGE_781], "upload:received");
    expectKilled(received);
    const uploads = path.join(dataDir(), "uploads");
    const [folder] = fs.readdirSync(uploads);
    expect(JSON.parse(fs.readFileSync(path.join(uploads, folder, UPLOAD_OWNER_FILE), "utf8"))).toMatchObject({ ownerPid: received.pid });
    expect((await recover({ fix: false })).findings.find((f) => f.kind === "upload")).toMatchObject({ id: path.join("uploads", folder), fixed: false });
    await recover({ fix: true });
    expect(fs.readdirSync(uploads)).toEqual([]);

    const importing = await child(["upload", "kill-upload", TRACE_FILE, IMAGE_781], "import:images-stored");
    expectKilled(importing);
    const row = await db().import.findFirstOrThrow({ where: { datasetName: "kill-upload", status: "running" } });
    expect(row.uploadDir).toMatch(/^uploads[/\\]/);
    expect(fs.existsSync(path.join(dataDir(), row.uploadDir!))).toBe(true);
    const report = await recover({ fix: true });
    expect(report.findings.map((f) => f.kind).sort()).toEqual(["image", "import"]);
    expect(fs.readdirSync(uploads)).toEqual([]);
    expect((await db().import.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("failed");

    // and the same upload then imports whole
    const ok = await child(["upload", "kill-upload", TRACE_FILE, IMAGE_781]);
    expect(ok.stdout).toContain("imported 2");
    expect(fs.readdirSync(uploads)).toEqual([]);
    expect((await recover({ fix: false })).findings).toEqual([]);
  });

  it("a live import's freshly stored files are never taken for orphans", async () => {
    const before = storedImages();
    // what a running import looks like mid-way: its row is running and owned by a live process
    const row = await db().import.create({ data: { datasetName: "live", files: [], status: "running", ownerPid: process.ppid, ownerHost: os.hostname(), heartbeatAt: new Date() } });
    const file = path.join(dataDir(), "images", "ff", `${"f".repeat(64)}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(IMAGE_781, file);
    expect((await recover({ fix: true })).findings).toEqual([]);
    expect(fs.existsSync(file)).toBe(true);
    await db().import.update({ where: { id: row.id }, data: { status: "done" } });
    // once no import is running, the unreferenced file is an orphan
    expect((await recover({ fix: true })).findings.map((f) => f.kind)).toEqual(["image"]);
    expect(storedImages()).toEqual(before);
  });
});

describe("crash recovery: exports and jobs", () => {
  it("an export killed while writing is marked failed and its staging folder removed", async () => {
    const crashed = await child(["export", "kill-export"], "export:progress@2");
    expectKilled(crashed);
    const row = await db().export.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(row).toMatchObject({ status: "running", ownerPid: crashed.pid });
    const leftovers = fs.readdirSync(exportsRoot()).filter((n) => n.startsWith(`${row.id}`));
    expect(leftovers.length).toBeGreaterThan(0);
    expect((await recover({ fix: false })).findings.find((f) => f.kind === "export")).toMatchObject({ id: String(row.id), fixed: false });
    await recover({ fix: true });
    expect(await db().export.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "failed" });
    expect(fs.readdirSync(exportsRoot()).filter((n) => n.startsWith(`${row.id}`))).toEqual([]);
    expect(fs.existsSync(exportDir(row.id))).toBe(false);
  });

  it("a generic job killed mid-way is marked failed and resumable; the resume finishes every item exactly once", async () => {
    const job = await createJob({ kind: fixtureKind.kind, config: { count: 40, delayMs: 20, concurrency: 2 } });
    const crashed = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/jobs/job-fixture.ts"), "resume", String(job.id)], { env: { ...process.env } });
      let done = 0;
      c.stdout.on("data", (chunk: Buffer) => {
        done += (chunk.toString().match(/^done /gm) ?? []).length;
        if (done >= 5) c.kill("SIGKILL");
      });
      c.on("exit", () => resolve(c.pid!));
    });
    const killed = await getJob(job.id);
    expect(killed).toMatchObject({ status: "running", ownerPid: crashed });
    expect((await recover({ fix: false })).findings.find((f) => f.kind === "job")).toMatchObject({ id: String(job.id), fixed: false });
    await recover({ fix: true });
    const marked = await getJob(job.id);
    expect(marked.status).toBe("failed");
    expect(marked.error).toMatch(/interrupted/);
    expect(await db().jobItem.count({ where: { jobId: job.id, status: "running" } })).toBe(0);
    const resumed = await runJob(job.id);
    expect(resumed).toMatchObject({ status: "done", done: 40 });
    const rows = await db().auditLog.findMany({ where: { entity: "job-fixture" }, select: { entityId: true } });
    expect(new Set(rows.map((r) => r.entityId)).size).toBe(40);
    expect(rows).toHaveLength(40);
  });
});

describe("stepwise doctor", () => {
  it("--json reports a planted stale run, upload folder, orphan image and export folder without touching them; --fix repairs them", async () => {
    const { id: datasetId } = await db().dataset.findUniqueOrThrow({ where: { name: "kill-verify" } });
    const config = await db().verifierConfig.findFirstOrThrow();
    const pid = deadPid();
    const run = await db().verifierRun.create({ data: { datasetId, configId: config.id, status: "running", ownerPid: pid, ownerHost: os.hostname(), heartbeatAt: new Date() } });
    const trace = await db().trace.findFirstOrThrow({ where: { datasetId }, include: { steps: { take: 1 } } });
    await db().verdict.create({ data: { runId: run.id, stepId: trace.steps[0].id, traceId: trace.id, rule: "x", outcome: "pass" } });
    const upload = path.join(dataDir(), "uploads", "planted");
    fs.mkdirSync(upload, { recursive: true });
    fs.writeFileSync(path.join(upload, UPLOAD_OWNER_FILE), JSON.stringify({ ownerPid: pid, ownerHost: os.hostname(), heartbeatAt: new Date() }));
    fs.writeFileSync(path.join(upload, "traces.jsonl"), "{}\n");
    const image = path.join(dataDir(), "images", "ee", `${"e".repeat(64)}.png`);
    fs.mkdirSync(path.dirname(image), { recursive: true });
    fs.copyFileSync(IMAGE_781, image);
    const exportFolder = path.join(exportsRoot(), "999999");
    fs.mkdirSync(exportFolder, { recursive: true });

    const reported = await cli(["doctor", "--json"]);
    expect(reported.code).toBe(1);
    const report = JSON.parse(reported.stdout);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c: { name: string }) => c.name === "recovery")).toMatchObject({ ok: false, fix: "stepwise doctor --fix" });
    const found = report.recovery.findings.map((f: { kind: string; id: string }) => `${f.kind} ${f.id}`).sort();
    expect(found).toEqual(["export-files exports/999999", `image images/ee/${"e".repeat(64)}.png`, "upload uploads/planted", `verifier-run ${run.id}`]);
    expect(fs.existsSync(upload) && fs.existsSync(image) && fs.existsSync(exportFolder)).toBe(true);
    expect(await db().verifierRun.findUnique({ where: { id: run.id } })).not.toBeNull();

    const fixed = await cli(["doctor", "--fix", "--json"]);
    expect(fixed.code).toBe(0);
    const after = JSON.parse(fixed.stdout);
    expect(after.recovery.fixed).toBe(4);
    expect(after.checks.find((c: { name: string }) => c.name === "recovery").ok).toBe(true);
    expect(fs.existsSync(upload) || fs.existsSync(image) || fs.existsSync(exportFolder)).toBe(false);
    expect(await db().verifierRun.findUnique({ where: { id: run.id } })).toBeNull();
    expect(await verdictRows(run.id)).toBe(0);

    const clean = await cli(["doctor"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/ok +recovery +no stale job, upload folder or orphan file/);
  });

  it("an import's recorded upload folder outside uploads/ is never deleted (a tampered row)", async () => {
    const outside = path.join(dataDir(), "keep-me");
    fs.mkdirSync(outside, { recursive: true });
    await db().import.create({ data: { datasetName: "tampered", files: [], status: "running", ownerPid: deadPid(), ownerHost: os.hostname(), uploadDir: "keep-me" } });
    await db().import.create({ data: { datasetName: "tampered2", files: [], status: "running", ownerPid: deadPid(), ownerHost: os.hostname(), uploadDir: "../../../etc" } });
    const report = await recover({ fix: true });
    expect(report.findings.filter((f) => f.kind === "import").every((f) => f.fixed)).toBe(true);
    expect(fs.existsSync(outside)).toBe(true);
  });
});

