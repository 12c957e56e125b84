import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { deleteImport, importContents } from "@/lib/services/import/import-delete";
import { importFiles } from "@/lib/services/import/imports";

// Managing imports on a real SQLite file: the loud warning for traces without a scene, verify on
// import (CLI default and --no-verify), a --skip-invalid import with nothing valid, and deleting an
// import with what it created (and only that).

const DEMO = path.resolve("prisma/demo/clevr");
const SCENES = path.join(DEMO, "CLEVR_train_scenes_subset5.json");
const TRACES = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");
const work = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "manage");
fs.mkdirSync(work, { recursive: true });

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("traces whose scene cannot be found", () => {
  it("are a loud first warning with their count; with the scenes in the dataset there is none", async () => {
    const alone = await importFiles({ files: [TRACES], dataset: "no-scenes", imagesDir: DEMO });
    expect(alone.unverifiable).toBe(2);
    expect(alone.warnings[0]).toMatch(/^2 of 2 traces cannot be verified against a scene: no scene found for "CLEVR_train_000781\.png"/);
    const together = await importFiles({ files: [TRACES, SCENES], dataset: "with-scenes", imagesDir: DEMO });
    expect(together.unverifiable).toBeUndefined();
    expect(together.warnings.join("\n")).not.toMatch(/cannot be verified/);
    await importFiles({ files: [SCENES], dataset: "scenes-first", imagesDir: DEMO });
    const later = await importFiles({ files: [TRACES], dataset: "scenes-first", imagesDir: DEMO });
    expect(later.unverifiable).toBeUndefined();
    // a trace naming a scene nobody has is counted too
    const named = path.join(work, "named-scene.jsonl");
    const trace = JSON.parse(fs.readFileSync(TRACES, "utf8").split("\n")[0]);
    fs.writeFileSync(named, `${JSON.stringify({ ...trace, id: "named-1", scene: "CLEVR_val_999999.png" })}\n`);
    const missing = await importFiles({ files: [named], dataset: "scenes-first", imagesDir: DEMO });
    expect(missing.unverifiable).toBe(1);
    expect(missing.warnings[0]).toContain('"CLEVR_val_999999.png"');
  });
});

describe("verify on import", () => {
  it("the CLI verifies new traces with the newest config by default; --no-verify skips it", async () => {
    expect(cli("import", SCENES, "--dataset", "cli-verify-on", "--images", DEMO).code).toBe(0);
    const run = cli("import", TRACES, "--dataset", "cli-verify-on", "--images", DEMO, "--json");
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    const newest = await db().verifierConfig.findFirstOrThrow({ orderBy: { version: "desc" } });
    expect(summary.verification).toMatchObject({ run: expect.any(Number), config: newest.version, traces: 2 });
    const traces = await db().trace.findMany({ where: { dataset: { name: "cli-verify-on" } } });
    expect(traces.every((t) => t.runId === summary.verification.run && t.quality !== null)).toBe(true);

    const skipped = cli("import", TRACES, "--dataset", "cli-no-verify", "--images", DEMO, "--no-verify", "--json");
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).not.toHaveProperty("verification");
    expect((await db().trace.findMany({ where: { dataset: { name: "cli-no-verify" } } })).every((t) => t.runId === null)).toBe(true);

    // the text output names the run and shouts the scene warning
    const text = cli("import", TRACES, "--dataset", "cli-text", "--images", DEMO);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^WARNING: 2 of 2 traces cannot be verified against a scene/m);
    expect(text.stdout).toMatch(/^verified: run \d+ with config v\d+: 2 traces/m);
  }, 240_000);

  it("nothing new, no run: a re-import of the same traces leaves the runs alone", async () => {
    await importFiles({ files: [TRACES], dataset: "verify-dup", imagesDir: DEMO, verify: true });
    const runs = await db().verifierRun.count();
    const again = await importFiles({ files: [TRACES], dataset: "verify-dup", imagesDir: DEMO, verify: true });
    expect(again.verification).toBeUndefined();
    expect(await db().verifierRun.count()).toBe(runs);
  });
});

describe("--skip-invalid with nothing valid", () => {
  it("is an error that leaves no empty dataset behind", async () => {
    const bad = path.join(work, "all-bad.jsonl");
    fs.writeFileSync(bad, '{"schema": "stepwise.trace/v1", "id": "x", "question": "q?", "steps": [{"kind": "nope"}]}\n{"schema": "stepwise.trace/v1", "id": "y", "steps": []}\n');
    const error = await importFiles({ files: [bad], dataset: "all-bad", skipInvalid: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/^nothing valid to import: all 2 records were invalid/);
    expect((error as AppError).details.length).toBeGreaterThanOrEqual(2);
    expect(await db().dataset.findUnique({ where: { name: "all-bad" } })).toBeNull();
    // one good record is enough: the rest is skipped and counted as records
    const mixed = path.join(work, "mixed.jsonl");
    fs.writeFileSync(mixed, `${fs.readFileSync(bad, "utf8")}${fs.readFileSync(TRACES, "utf8").split("\n")[0]}\n`);
    const summary = await importFiles({ files: [mixed], dataset: "mixed", skipInvalid: true, imagesDir: DEMO });
    expect(summary.created.traces).toBe(1);
    const row = await db().import.findUniqueOrThrow({ where: { id: summary.importId! } });
    expect(row.skippedCount).toBe(2);
  });
});

describe("deleting an import", () => {
  it("removes what it created and keeps what other imports still use", async () => {
    const scenes = await importFiles({ files: [SCENES], dataset: "del", imagesDir: DEMO });
    const traces = await importFiles({ files: [TRACES], dataset: "del", imagesDir: DEMO, verify: true });
    const other = await importFiles({ files: [TRACES], dataset: "del-other", imagesDir: DEMO });
    const before = { otherTraces: await db().trace.count({ where: { dataset: { name: "del-other" } } }) };

    const preview = await importContents(traces.importId!);
    expect(preview).toMatchObject({ id: traces.importId, dataset: "del", status: "done", traces: 2, steps: 16, questions: 2, scenes: 0, images: 0 });

    // the scenes import: the scene the traces use is kept, the four others go
    const scenePreview = await importContents(scenes.importId!);
    expect(scenePreview).toMatchObject({ scenes: 4, images: 4, kept: { scenes: 1, images: 1 } });

    await expect(deleteImport(traces.importId!, "wrong")).rejects.toMatchObject({ code: "invalid_input" });
    const deleted = await deleteImport(traces.importId!, String(traces.importId));
    expect(deleted).toMatchObject({ deleted: true, traces: 2 });
    expect(await db().trace.count({ where: { dataset: { name: "del" } } })).toBe(0);
    expect(await db().step.count({ where: { trace: { dataset: { name: "del" } } } })).toBe(0);
    expect(await db().question.count({ where: { dataset: { name: "del" } } })).toBe(0);
    expect(await db().scene.count({ where: { dataset: { name: "del" } } })).toBe(5);
    expect((await db().import.findUniqueOrThrow({ where: { id: traces.importId! } })).status).toBe("deleted");
    // the other dataset's import of the same file is untouched
    expect(await db().trace.count({ where: { dataset: { name: "del-other" } } })).toBe(before.otherTraces);
    expect(other.importId).not.toBe(traces.importId);

    // now nothing uses the scenes: they go with their import, and the dataset stays
    const cliPreview = cli("imports", "delete", String(scenes.importId));
    expect(cliPreview.code, cliPreview.stderr).toBe(0);
    expect(cliPreview.stdout).toContain(`would delete import ${scenes.importId} (dataset "del"): 0 traces (0 steps), 0 imported labels, 0 questions, 5 images, 5 scenes`);
    expect(await db().scene.count({ where: { dataset: { name: "del" } } })).toBe(5);
    const cliDelete = cli("imports", "delete", String(scenes.importId), "--yes", "--json");
    expect(cliDelete.code, cliDelete.stderr).toBe(0);
    expect(JSON.parse(cliDelete.stdout)).toMatchObject({ action: "delete", deleted: true, contents: { scenes: 5, images: 5 } });
    expect(await db().scene.count({ where: { dataset: { name: "del" } } })).toBe(0);
    expect(await db().image.count({ where: { dataset: { name: "del" } } })).toBe(0);
    expect(await db().dataset.findUnique({ where: { name: "del" } })).not.toBeNull();
  }, 120_000);

  it("a failed import leaves only its history row, which deleting removes; bad ids exit 2", async () => {
    await importFiles({ files: [path.resolve("fixtures/canonical/malformed-line-2.jsonl")], dataset: "failed-one" }).catch(() => null);
    const failed = await db().import.findFirstOrThrow({ where: { datasetName: "failed-one" } });
    expect(failed.status).toBe("failed");
    await deleteImport(failed.id, failed.id);
    expect(await db().import.findUnique({ where: { id: failed.id } })).toBeNull();
    expect(cli("imports", "delete", "abc").code).toBe(2);
    expect(cli("imports", "delete", "999999", "--yes").code).toBe(2);
    // an unknown dataset is invalid input like every other (issue 16)
    const verify = cli("verify", "--dataset", "nope");
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('dataset "nope" not found');
    const list = cli("imports", "--json");
    expect(list.code).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
  }, 120_000);
});
