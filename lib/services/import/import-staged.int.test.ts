import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { importFiles, type ImportProgress } from "@/lib/services/import/imports";
import { removeImportRows } from "@/lib/services/import/import-rollback";

// The staged write pass (docs/design.md §8): records go in short chunks with the event loop free
// between them, every row carries the import's id, and a failure after some chunks committed
// removes them all. Real SQLite file, real files; STEPWISE_IMPORT_CHUNK cuts small inputs in
// several chunks.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-staged-"));

function traceLine(id: string, question: string, image = "photo.png", answer = "2"): string {
  return JSON.stringify({
    schema: "stepwise.trace/v1",
    id,
    image,
    question,
    answer,
    steps: [
      { kind: "plan", text: "Count the cubes." },
      { kind: "tool_call", id: "c1", tool: "detect", args: { query: "cube" } },
      { kind: "tool_result", call: "c1", output: [{ id: "obj_1", label: "cube", box: [10, 10, 20, 20] }] },
      { kind: "answer", text: answer },
    ],
  });
}

function file(name: string, lines: string[]): string {
  const full = path.join(dir, name);
  fs.writeFileSync(full, `${lines.join("\n")}\n`);
  return full;
}

async function owned(importId: number) {
  const prisma = db();
  const where = { importId };
  return {
    traces: await prisma.trace.count({ where }),
    questions: await prisma.question.count({ where }),
    images: await prisma.image.count({ where }),
  };
}

afterEach(() => {
  delete process.env.STEPWISE_IMPORT_CHUNK;
});

describe("staged import write pass", () => {
  it("writes in several chunks, answering other queries between them, and stamps every row with its import", async () => {
    process.env.STEPWISE_IMPORT_CHUNK = "7";
    const input = file("many.jsonl", Array.from({ length: 60 }, (_, n) => traceLine(`s-${n}`, `How many cubes? (#${n})`, `img-${n % 4}.png`)));
    const writes: ImportProgress[] = [];
    // a query issued when the first chunk committed: with one long transaction it would wait for the end
    let answeredDuringWrite: boolean | null = null;
    let importFinished = false;
    let probe: Promise<void> | null = null;
    const summary = await importFiles({
      files: [input],
      dataset: "staged-a",
      onProgress: (p) => {
        if (p.phase !== "write") return;
        writes.push(p);
        if (p.records > 0 && !probe) probe = db().trace.count({ where: { dataset: { name: "staged-a" } } }).then(() => void (answeredDuringWrite = !importFinished));
      },
    });
    importFinished = true;
    await probe;
    expect(summary.created).toMatchObject({ traces: 60, steps: 240, questions: 60, images: 4 });
    // 60 traces + 60 questions + 4 images (records) in chunks of 7 records
    expect(writes.filter((p) => p.records > 0).length).toBeGreaterThanOrEqual(5);
    expect(answeredDuringWrite).toBe(true);
    expect(await owned(summary.importId!)).toEqual({ traces: 60, questions: 60, images: 4 });
    const row = await db().import.findUniqueOrThrow({ where: { id: summary.importId! } });
    expect(row.status).toBe("done");
    expect((await db().dataset.findUniqueOrThrow({ where: { name: "staged-a" } })).importId).toBe(summary.importId);
  });

  it("a conflict found in a late chunk removes every row the earlier chunks committed, and records the failure", async () => {
    process.env.STEPWISE_IMPORT_CHUNK = "3";
    const first = await importFiles({ files: [file("base.jsonl", [traceLine("c-last", "How many spheres?", "base.png", "1")])], dataset: "staged-b" });
    const before = { traces: await db().trace.count(), questions: await db().question.count(), images: await db().image.count(), steps: await db().step.count() };
    // 30 new traces, then the stored id with other content: found only by the write pass, chunks later
    const lines = [...Array.from({ length: 30 }, (_, n) => traceLine(`c-${n}`, `How many cones? (#${n})`, `new-${n % 3}.png`)), traceLine("c-last", "How many spheres?", "base.png", "7")];
    const error = await importFiles({ files: [file("late-conflict.jsonl", lines)], dataset: "staged-b" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("invalid_input");
    expect((error as AppError).message).toMatch(/late-conflict\.jsonl:31 \$\.id: trace "c-last" already exists in dataset "staged-b" with different content/);
    const after = { traces: await db().trace.count(), questions: await db().question.count(), images: await db().image.count(), steps: await db().step.count() };
    expect(after).toEqual(before);
    const failed = await db().import.findFirstOrThrow({ where: { datasetName: "staged-b", status: "failed" } });
    expect(await owned(failed.id)).toEqual({ traces: 0, questions: 0, images: 0 });
    // the dataset (created by the first import) stays with its one trace
    expect(await db().trace.count({ where: { dataset: { name: "staged-b" } } })).toBe(1);
    expect(first.created.traces).toBe(1);
  });

  it("removing an import's rows takes the dataset it created with them, in bounded batches, and is idempotent", async () => {
    process.env.STEPWISE_IMPORT_CHUNK = "2";
    // what recovery does for a killed import (lib/recovery): remove its rows by its id, in small batches
    const summary = await importFiles({ files: [file("undo.jsonl", Array.from({ length: 9 }, (_, n) => traceLine(`u-${n}`, `How many? (#${n})`)))], dataset: "staged-c" });
    expect(summary.created.traces).toBe(9);
    const removed = await removeImportRows(summary.importId!, 4);
    // 9 traces + 9 questions + 1 image + the dataset (steps cascade with their traces)
    expect(removed).toBe(20);
    expect(await db().dataset.findUnique({ where: { name: "staged-c" } })).toBeNull();
    expect(await db().step.count({ where: { trace: { dataset: { name: "staged-c" } } } })).toBe(0);
    expect(await removeImportRows(summary.importId!)).toBe(0);
  });

  it("a dry run still counts everything and writes nothing", async () => {
    process.env.STEPWISE_IMPORT_CHUNK = "2";
    const before = await db().trace.count();
    const summary = await importFiles({ files: [file("dry.jsonl", Array.from({ length: 7 }, (_, n) => traceLine(`d-${n}`, `How many? (#${n})`)))], dataset: "staged-dry", dryRun: true });
    expect(summary.created.traces).toBe(7);
    expect(await db().trace.count()).toBe(before);
    expect(await db().dataset.findUnique({ where: { name: "staged-dry" } })).toBeNull();
  });
});
