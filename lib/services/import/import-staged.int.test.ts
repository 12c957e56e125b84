import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { db, dialect } from "@/lib/db";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { importFiles, type ImportProgress } from "@/lib/services/import/imports";
import { removeImportRows } from "@/lib/services/import/import-rollback";

// The staged write pass (docs/design.md §8): records go in short chunks with the event loop free
// between them, every row carries the import's id, and a failure after some chunks committed
// removes them all. Real SQLite file (or, in the PostgreSQL pass, a real PostgreSQL database —
// where the chunk's big tables go by COPY), real files; STEPWISE_IMPORT_CHUNK cuts small inputs in
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

/** A second process writing trace "u-19" into dataset "staged-unique" (argument: the SQLite file or the PostgreSQL URL). */
const OTHER_WRITER = `
const target = process.argv[1];
const text = 'INSERT INTO "Trace" ("datasetId", "externalId", "question", "format", "contentHash", "raw") SELECT "id", \\'u-19\\', \\'someone else\\'\\'s\\', \\'canonical\\', \\'other\\', \\'{}\\' FROM "Dataset" WHERE "name" = \\'staged-unique\\'';
if (/^postgres(ql)?:/.test(target)) {
  const { Client } = require("pg");
  const client = new Client({ connectionString: target });
  client.connect().then(() => client.query(text)).then(() => client.end()).catch((error) => { console.error(error); process.exit(1); });
} else {
  const Database = require("better-sqlite3");
  const handle = new Database(target);
  handle.pragma("busy_timeout = 10000");
  handle.prepare(text).run();
  handle.close();
}
`;

describe("staged import on either dialect: concurrent writers and kills", () => {
  it("a trace id another writer stores between two chunks fails the import naming file and line (PostgreSQL: at the chunk's COPY), and removes what it wrote", async () => {
    // 20 records in chunks of 2: the other writer's two queries land long before the last chunk
    process.env.STEPWISE_IMPORT_CHUNK = "2";
    // a new dataset: the import looks nothing up, so only the database's unique key can notice
    const lines = Array.from({ length: 20 }, (_, n) => traceLine(`u-${n}`, `How many cubes? (u#${n})`, `late-${n % 2}.png`));
    let injected = false;
    let writes = 0;
    const error = await importFiles({
      files: [file("late-unique.jsonl", lines)],
      dataset: "staged-unique",
      onProgress: (p) => {
        // the first write event announces the pass; the second follows the first commit
        if (p.phase !== "write" || ++writes < 2 || injected) return;
        injected = true;
        // another writer — another process, waited for — after the first chunk committed (and
        // created the dataset) stores the id of line 20
        execFileSync(process.execPath, ["-e", OTHER_WRITER, sqliteFile() ?? env().DATABASE_URL], { stdio: "inherit" });
      },
    }).catch((e: unknown) => e);
    expect(injected).toBe(true);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("conflict");
    expect((error as AppError).message).toMatch(/late-unique\.jsonl:20 \$\.id: trace "u-19" was written into dataset "staged-unique" by another import at the same time; nothing was imported/);
    const failed = await db().import.findFirstOrThrow({ where: { datasetName: "staged-unique" }, orderBy: { id: "desc" } });
    expect(failed.status).toBe("failed");
    expect(await owned(failed.id)).toEqual({ traces: 0, questions: 0, images: 0 });
    // the other writer's trace stays, and with it the dataset
    const left = await db().trace.findMany({ where: { dataset: { name: "staged-unique" } }, select: { externalId: true } });
    expect(left).toEqual([{ externalId: "u-19" }]);
  });

  it("a process killed inside a chunk's transaction leaves only the chunks committed before, each trace whole; removing the import's rows (recovery) leaves nothing", async () => {
    // 10 traces in chunks of 3: chunks 1–3 commit, the kill comes in the last one before its commit
    // (SQLite: the journal is rolled back by the next opener; PostgreSQL: the server aborts the
    // transaction when the connection drops)
    const input = file("killed.jsonl", Array.from({ length: 10 }, (_, n) => traceLine(`k-${n}`, `How many? (k#${n})`, "kill.png")));
    const result = await new Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/cli/main.ts"), "import", input, "--dataset", "staged-killed", "--no-verify"], {
        env: { ...process.env, STEPWISE_CRASH_AT: "import:commit", STEPWISE_IMPORT_CHUNK: "3" },
      });
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ signal, code, stderr }));
    });
    expect(result.signal, result.stderr).toBe("SIGKILL");
    const row = await db().import.findFirstOrThrow({ where: { datasetName: "staged-killed" } });
    expect(row.status).toBe("running");
    const traces = await db().trace.findMany({ where: { importId: row.id }, select: { externalId: true, stepCount: true, _count: { select: { steps: true } } }, orderBy: { externalId: "asc" } });
    expect(traces.map((t) => t.externalId)).toEqual(Array.from({ length: 9 }, (_, n) => `k-${n}`));
    for (const trace of traces) expect(trace._count.steps).toBe(trace.stepCount);
    expect(await db().trace.count({ where: { externalId: "k-9" } })).toBe(0);
    expect(await removeImportRows(row.id, 2)).toBeGreaterThan(9);
    expect(await owned(row.id)).toEqual({ traces: 0, questions: 0, images: 0 });
    expect(await db().dataset.findUnique({ where: { name: "staged-killed" } })).toBeNull();
    expect(dialect()).toBe(process.env.STEPWISE_TEST_PG === "1" ? "postgres" : "sqlite");
  }, 300_000);
});
