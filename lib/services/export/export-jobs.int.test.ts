import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { t as listTar } from "tar";
import { db } from "@/lib/db";
import { writeProgram } from "@/lib/db/sql";
import { cancelExport, exportsIdle, startExport } from "@/lib/services/export/export-jobs";
import { exportDir } from "@/lib/services/export/export-jobs";
import { deleteExport, exportArchive, exportOptions, getExport, listExports } from "@/lib/services/export/exports";
import { generateProgram } from "@/fixtures/export/generate";

// Background export jobs on a real SQLite file: the Export row moves queued → running → done
// with progress, the archive streams the finished folder, cancel and restarts are handled.

async function archiveBytes(id: number): Promise<Buffer> {
  const { stream } = await exportArchive(id);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function archiveEntries(bytes: Buffer): Promise<string[]> {
  const file = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), `archive-${crypto.randomUUID()}.tar.gz`);
  fs.writeFileSync(file, bytes);
  const entries: string[] = [];
  await listTar({ file, onReadEntry: (entry) => void entries.push(entry.path) });
  return entries;
}

beforeAll(async () => {
  await writeProgram(() => generateProgram({ dataset: "jobs", traces: 300, tracesPerImage: 3 }));
});

describe("export jobs", () => {
  it("run in the background to done, with files, counts and a deterministic archive", async () => {
    const { id } = await startExport({ datasets: ["jobs"], format: "trl-sft", images: "reference", shardRows: 100 });
    expect((await getExport(id)).status).toMatch(/queued|running/);
    await exportsIdle();
    const done = await getExport(id);
    expect(done).toMatchObject({ status: "done", progress: 1, rows: 300, error: null });
    expect(done.counts?.rows).toBe(300);
    expect(done.card).toContain("configs:");
    expect(done.files.map((f) => f.path)).toEqual(expect.arrayContaining(["README.md", "manifest.json", "data/train-00000-of-00003.jsonl"]));
    const first = await archiveBytes(id);
    expect((await archiveBytes(id)).equals(first)).toBe(true);
    const entries = await archiveEntries(first);
    const base = done.archiveName!.replace(/\.tar\.gz$/, "");
    expect(entries.slice(0, 2)).toEqual([`${base}/README.md`, `${base}/manifest.json`]);
    expect(entries).toEqual(expect.arrayContaining(done.files.map((f) => `${base}/${f.path}`)));
    expect(entries).toHaveLength(done.files.length);
  });

  it("a cancelled job ends cancelled and leaves no files", async () => {
    const { id } = await startExport({ datasets: ["jobs"], format: "trl-sft", images: "reference" });
    expect(await cancelExport(id)).toEqual({ cancelled: true });
    await exportsIdle();
    expect((await getExport(id)).status).toBe("cancelled");
    expect(fs.existsSync(exportDir(id))).toBe(false);
    await expect(exportArchive(id)).rejects.toThrow(/only finished exports/);
  });

  it("a job whose config fails at run time ends failed with the reason", async () => {
    const { id } = await startExport({ datasets: ["jobs"], format: "trl-sft", validOnly: true });
    await exportsIdle();
    const failed = await getExport(id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/needs a finished verifier run/);
  });

  it("rejects invalid configs and unknown datasets before queueing", async () => {
    await expect(startExport({ datasets: ["jobs"], format: "csv" })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(startExport({ datasets: ["nope"], format: "kto" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("marks jobs left running by a dead server as interrupted", async () => {
    // owned by a process that has exited (lib/jobs/owner.ts): its pid is dead on this host
    const dead = spawnSync("true").pid!;
    const row = await db().export.create({
      data: { name: "ghost", format: "kto", config: { datasets: ["jobs"], format: "kto" }, status: "running", progress: 0.4, ownerPid: dead, ownerHost: os.hostname(), heartbeatAt: new Date() },
    });
    // what a killed process leaves: a staging folder next to where the export would have gone
    const staging = `${exportDir(row.id)}.partial-999-x`;
    fs.mkdirSync(path.join(staging, "data"), { recursive: true });
    const listed = (await listExports()).find((e) => e.id === row.id)!;
    expect(listed.status).toBe("failed");
    expect(listed.error).toMatch(/interrupted/);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it("leaves an export owned by a live process alone (another server or CLI), and one without an owner until it is stale", async () => {
    const live = await db().export.create({
      data: { name: "alive", format: "kto", config: { datasets: ["jobs"], format: "kto" }, status: "running", progress: 0.4, ownerPid: process.ppid, ownerHost: os.hostname(), heartbeatAt: new Date() },
    });
    const fresh = await db().export.create({ data: { name: "legacy", format: "kto", config: { datasets: ["jobs"], format: "kto" }, status: "running" } });
    const old = await db().export.create({ data: { name: "legacy-old", format: "kto", config: { datasets: ["jobs"], format: "kto" }, status: "running", createdAt: new Date(Date.now() - 3_600_000) } });
    const listed = await listExports();
    expect(listed.find((e) => e.id === live.id)!.status).toBe("running");
    expect(listed.find((e) => e.id === fresh.id)!.status).toBe("running");
    expect(listed.find((e) => e.id === old.id)!.status).toBe("failed");
    await db().export.deleteMany({ where: { id: { in: [live.id, fresh.id] } } });
  });

  it("deletes finished exports with their files; lists datasets for the form", async () => {
    const { id } = await startExport({ datasets: ["jobs"], format: "trl-sft", images: "none" });
    await exportsIdle();
    expect(fs.existsSync(path.join(exportDir(id), "manifest.json"))).toBe(true);
    await deleteExport(id);
    expect(fs.existsSync(exportDir(id))).toBe(false);
    await expect(getExport(id)).rejects.toMatchObject({ code: "not_found" });
    const options = await exportOptions();
    expect(options.datasets.find((d) => d.name === "jobs")).toMatchObject({ traces: 300, runs: [] });
    expect(options.classes).toContain("none");
  });
});
