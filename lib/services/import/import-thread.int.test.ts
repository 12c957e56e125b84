import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { env, sqliteFile } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { isActiveHere } from "@/lib/jobs/owner";
import { recover, type Finding } from "@/lib/recovery/recovery";
import { importFilesInThread } from "@/lib/services/import/import-thread";
import type { ImportProgress } from "@/lib/services/import/imports";

// Uploads are imported in a worker thread with its own database connection
// (lib/services/import/import-thread.ts): the real thread, real database (SQLite file, or the
// PostgreSQL pass's database), real files.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-import-thread-"));

function traces(name: string, count: number, prefix: string, bad?: number): string {
  const lines = Array.from({ length: count }, (_, n) =>
    n === bad
      ? "{not json"
      : JSON.stringify({
          schema: "stepwise.trace/v1",
          id: `${prefix}-${n}`,
          image: `img-${n % 3}.png`,
          question: `How many cubes? (#${n})`,
          answer: "2",
          steps: [
            { kind: "tool_call", id: "c1", tool: "detect", args: { query: "cube" } },
            { kind: "tool_result", call: "c1", output: [{ id: "obj_1", label: "cube", box: [10, 10, 20, 20] }] },
            { kind: "answer", text: "2" },
          ],
        }),
  );
  const full = path.join(dir, name);
  fs.writeFileSync(full, `${lines.join("\n")}\n`);
  return full;
}

/**
 * Blocks this thread (no event loop turn) until import `id`'s history row leaves `running`, in a
 * child process polling the database; returns the status it ended with. An import running on this
 * thread could never finish meanwhile: the child would time out.
 */
const WAIT_FOR_ROW = `
const [target, id] = process.argv.slice(1);
const text = 'SELECT "status" FROM "Import" WHERE "id" = ' + Number(id);
const deadline = Date.now() + 120000;
const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
(async () => {
  let read;
  if (/^postgres(ql)?:/.test(target)) {
    const { Client } = require("pg");
    const client = new Client({ connectionString: target });
    await client.connect();
    read = async () => (await client.query(text)).rows[0]?.status;
  } else {
    const handle = new (require("better-sqlite3"))(target, { readonly: true });
    read = async () => handle.prepare(text).get()?.status;
  }
  for (;;) {
    const status = await read();
    if (status !== "running") { process.stdout.write(String(status)); process.exit(0); }
    if (Date.now() > deadline) { process.stdout.write("still running after 120 s"); process.exit(0); }
    await pause();
  }
})().catch((error) => { console.error(error); process.exit(1); });
`;

function waitForRowBlocking(id: number): string {
  const url = env().DATABASE_URL;
  return execFileSync(process.execPath, ["-e", WAIT_FOR_ROW, sqliteFile(url) ?? url, String(id)], { encoding: "utf8", timeout: 150_000 });
}

afterEach(() => {
  delete process.env.STEPWISE_IMPORT_CHUNK;
});

describe("importing in a worker thread", () => {
  it("finishes while this thread is blocked; its work is marked live here, so recovery leaves it alone; progress and the row's id come back", async () => {
    process.env.STEPWISE_IMPORT_CHUNK = "7";
    const input = traces("many.jsonl", 120, "t");
    const progress: ImportProgress[] = [];
    let liveWhileWriting: boolean | null = null;
    let findings: Finding[] | null = null;
    let started: number | null = null;
    let endedBlocked: string | null = null;
    const summary = await importFilesInThread({
      files: [input],
      dataset: "threaded",
      onStarted: (id) => (started = id),
      onProgress: (p) => {
        progress.push(p);
        if (p.phase !== "write" || p.records === 0 || liveWhileWriting !== null) return;
        liveWhileWriting = isActiveHere(`import:${started}`);
        // recovery here must not take the thread's import for a dead one (it is owned by this pid)
        void recover({ fix: true }).then((report) => {
          findings = report.findings;
          // then hold this thread: the import goes on in its own
          endedBlocked = waitForRowBlocking(started!);
        });
      },
    });
    await expect.poll(() => endedBlocked, { timeout: 150_000 }).not.toBeNull();
    expect(summary.importId).toBe(started);
    expect(summary.created).toMatchObject({ traces: 120, steps: 360, questions: 120 });
    expect(liveWhileWriting).toBe(true);
    expect(findings!.filter((f) => f.kind === "import")).toEqual([]);
    expect(endedBlocked).toBe("done");
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(["validate", "write", "done"]));
    expect(isActiveHere(`import:${started}`)).toBe(false);
    expect(await db().trace.count({ where: { importId: started! } })).toBe(120);
    expect((await db().import.findUniqueOrThrow({ where: { id: started! } })).status).toBe("done");
  });

  it("a bad line comes back as the AppError naming file and line; nothing is written and the failure is recorded", async () => {
    const input = traces("bad.jsonl", 30, "b", 17);
    let started: number | null = null;
    const error = await importFilesInThread({ files: [input], dataset: "threaded-bad", onStarted: (id) => (started = id) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "invalid_input", details: [expect.objectContaining({ file: input, line: 18 })] });
    expect(await db().trace.count({ where: { dataset: { name: "threaded-bad" } } })).toBe(0);
    expect((await db().import.findUniqueOrThrow({ where: { id: started! } })).status).toBe("failed");
    expect(isActiveHere(`import:${started}`)).toBe(false);
  });

  it("an error before the history row exists (no such file) comes back as the same AppError", async () => {
    await expect(importFilesInThread({ files: [path.join(dir, "missing.jsonl")], dataset: "threaded-missing" })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("no such file") });
  });
});
