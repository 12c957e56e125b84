import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { MAX_LINE_BYTES } from "@/lib/formats/lines";
import { imagesRoot } from "@/lib/services/import/image-store";
import { importFiles } from "@/lib/services/import/imports";

// Bad input: every error names file, line, JSON path and what was expected, and nothing is
// written (all-or-nothing) unless skipInvalid, which imports the rest and reports each skipped one.

const F = (p: string) => path.resolve("fixtures", p);
const IMAGES = [path.resolve("prisma/demo/clevr")];

async function counts() {
  const prisma = db();
  const [datasets, images, questions, traces, steps, reviews, boxes] = await Promise.all([prisma.dataset.count(), prisma.image.count(), prisma.question.count(), prisma.trace.count(), prisma.step.count(), prisma.review.count(), prisma.box.count()]);
  return { datasets, images, questions, traces, steps, reviews, boxes };
}

/** Runs an import that must fail; returns the error after checking nothing was written. */
async function rejected(files: string[], dataset: string): Promise<AppError> {
  const before = await counts();
  const error = await importFiles({ files, dataset, images: IMAGES }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("invalid_input");
  expect(await counts()).toEqual(before);
  expect(await db().dataset.findUnique({ where: { name: dataset } })).toBeNull();
  return error as AppError;
}

function tmp(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-bad-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe("bad input: all-or-nothing, each error located", () => {
  it("truncated JSON on a line", async () => {
    const file = F("bad/truncated-line-2.jsonl");
    const error = await rejected([file], "bad-truncated");
    expect(error.details).toEqual([{ file, line: 2, path: "$", error: expect.stringMatching(/^truncated JSON: the record ends before it is complete/) }]);
    expect(error.message).toMatch(new RegExp(`^${file}:2 \\$: truncated JSON.*nothing was imported$`));
  });

  it("a truncated whole document names the element it ends in", async () => {
    const file = F("bad/truncated-scenes.json");
    const error = await rejected([file], "bad-truncated-doc");
    expect(error.details.at(-1)).toEqual({ file, line: expect.any(Number), path: expect.stringMatching(/^\$\.scenes\[\d\]$/), error: expect.stringMatching(/^truncated JSON: the document ends inside \$\.scenes\[\d\], which starts on line \d+$/) });
  });

  it("wrong types, with what was expected and what was found", async () => {
    const file = F("bad/wrong-types.jsonl");
    const error = await rejected([file], "bad-types");
    expect(error.details).toEqual([
      { file, line: 1, path: "$.question", error: "Invalid input: expected string, received number (found 42)" },
      { file, line: 2, path: "$.steps", error: 'Invalid input: expected array, received object (found {"kind":"plan"})' },
    ]);
  });

  it("an unknown step kind", async () => {
    const file = F("canonical/malformed-line-2.jsonl");
    const error = await rejected([file], "bad-kind");
    expect(error.details).toEqual([{ file, line: 2, path: "$.steps[1].kind", error: expect.stringMatching(/^unknown step kind "thinking" \(expected one of plan, tool_call, tool_result, reasoning, answer\)$/) }]);
  });

  it("an unknown tool", async () => {
    const file = F("bad/unknown-tool-line-2.jsonl");
    const error = await rejected([file], "bad-tool");
    expect(error.details).toEqual([{ file, line: 2, path: "$.steps[1].tool", error: expect.stringMatching(/^unknown tool "segment" \(known: detect, get_attributes, /) }]);
  });

  it("a tool result answering no call", async () => {
    const file = F("bad/orphan-result.jsonl");
    const error = await rejected([file], "bad-orphan");
    expect(error.details).toEqual([{ file, line: 1, path: "$.steps[2].call", error: 'tool result answers no call: no tool_call has id "c9"' }]);
  });

  it("duplicate trace ids with different content, within a file and across files", async () => {
    const file = F("bad/duplicate-id.jsonl");
    const error = await rejected([file], "bad-dup");
    expect(error.details).toEqual([{ file, line: 3, path: "$.id", error: `duplicate trace id "run3-000017" (also at ${file}:1 with different content)` }]);
    const other = F("canonical/clevr-781-two-traces.jsonl");
    const across = await rejected([other, file], "bad-dup-2");
    expect(across.details).toEqual([{ file, line: 3, path: "$.id", error: `duplicate trace id "run3-000017" (also at ${other}:1 with different content)` }]);
  });

  it("a line over the size limit", async () => {
    const good = fs.readFileSync(F("canonical/clevr-781-two-traces.jsonl"), "utf8").split("\n")[0];
    const huge = JSON.stringify({ ...JSON.parse(good), id: "huge", meta: { blob: "x".repeat(MAX_LINE_BYTES) } });
    const file = tmp("huge.jsonl", `${good}\n${huge}\n`);
    const error = await rejected([file], "bad-huge");
    expect(error.details).toEqual([{ file, line: 2, path: "$", error: `line is longer than the ${MAX_LINE_BYTES}-byte limit` }]);
  });

  it("non-UTF-8 bytes", async () => {
    const file = F("bad/latin1-line-2.jsonl");
    const error = await rejected([file], "bad-utf8");
    expect(error.details).toEqual([{ file, line: 2, path: "$", error: "line is not valid UTF-8" }]);
  });

  it("OpenAI transcripts: a result answering no call, arguments that are not JSON, an unknown tool", async () => {
    const file = F("bad/chat-three-bad-lines.jsonl");
    const error = await rejected([file], "bad-chat");
    expect(error.details).toEqual([
      { file, line: 2, path: "$.messages[3].tool_call_id", error: 'tool result answers no call: no earlier tool_call has id "call_zzz"' },
      { file, line: 3, path: "$.messages[1].tool_calls[0].function.arguments", error: expect.stringMatching(/^expected a JSON object encoded as a string, found invalid JSON/) },
      { file, line: 4, path: "$.messages[4].tool_calls[0].function.name", error: expect.stringMatching(/^unknown tool "segment"/) },
    ]);
  });

  it("ReAct: an observation with no action and an unknown tool, on their own lines", async () => {
    const file = tmp("bad.react.txt", ["Question: Where is obj_1?", "Observation: [1]", "Action: segment(object=\"obj_1\")", "Final Answer: left", ""].join("\n"));
    const error = await rejected([file], "bad-react");
    expect(error.details).toEqual([
      { file, line: 2, path: "$.steps[0].call", error: "tool result answers no call: an Observation with no Action before it" },
      { file, line: 3, path: "$.steps[0].tool", error: expect.stringMatching(/^unknown tool "segment"/) },
    ]);
  });

  it("a file of no known format", async () => {
    const file = tmp("notes.txt", "just some notes\n");
    const error = await rejected([file], "bad-format");
    expect(error.details).toEqual([{ file, line: 1, path: "$", error: expect.stringMatching(/^unrecognised format: tried canonical, .*, react$/) }]);
    expect(error.message).toMatch(/notes\.txt: cannot tell the format: its first bytes match none of the formats tried \(canonical, .*\); name one with --format$/);
  });

  it("scenes referencing missing images: imported, with a warning naming file and line", async () => {
    const summary = await importFiles({ files: [F("clevr-parser/2obj/CLEVR_val_scenes.json")], dataset: "missing-images" });
    expect(summary.created.scenes).toBe(10);
    expect(summary.warnings).toHaveLength(8);
    expect(summary.warnings[0]).toBe(`${F("clevr-parser/2obj/CLEVR_val_scenes.json")}:1: image "CLEVR_val_000002.png" not found in ${F("clevr-parser/2obj")}, ${F("clevr-parser/2obj/images")}; imported without the file (shown as a placeholder)`);
    const placeholder = await db().image.findFirstOrThrow({ where: { name: "CLEVR_val_000002.png", dataset: { name: "missing-images" } } });
    expect(placeholder).toMatchObject({ path: null, url: null });
  });

  it("an image name that escapes the images directory is never read", async () => {
    const good = JSON.parse(fs.readFileSync(F("canonical/clevr-781-two-traces.jsonl"), "utf8").split("\n")[0]);
    const file = tmp("escape.jsonl", `${JSON.stringify({ ...good, id: "escape", image: "../../README.md" })}\n`);
    const summary = await importFiles({ files: [file], dataset: "escape", images: IMAGES });
    // the traces have no scene in this dataset: that is the first warning (issue 16), the path the second
    expect(summary.warnings).toEqual([expect.stringContaining("cannot be verified against a scene"), expect.stringContaining("names a path outside the images directory")]);
    expect(await db().image.findFirstOrThrow({ where: { dataset: { name: "escape" } } })).toMatchObject({ path: null });
  });
});

describe("skipInvalid", () => {
  it("imports the valid records and reports every skipped one", async () => {
    const file = F("bad/chat-three-bad-lines.jsonl");
    const summary = await importFiles({ files: [file], dataset: "skip-chat", images: IMAGES, skipInvalid: true });
    expect(summary.created).toMatchObject({ traces: 1, steps: 10 });
    expect(summary.skipped.map((s) => [s.line, s.path])).toEqual([[2, "$.messages[3].tool_call_id"], [3, "$.messages[1].tool_calls[0].function.arguments"], [4, "$.messages[4].tool_calls[0].function.name"]]);
  });

  it("skips a trace whose id already holds other content, and reports it", async () => {
    const original = F("canonical/clevr-781-two-traces.jsonl");
    await importFiles({ files: [original], dataset: "skip-conflict", images: IMAGES });
    const changed = tmp("changed.jsonl", fs.readFileSync(original, "utf8").replace('"answer":"2"', '"answer":"3"'));
    await expect(importFiles({ files: [changed], dataset: "skip-conflict", images: IMAGES })).rejects.toMatchObject({ details: [{ file: changed, line: 1, path: "$.id", error: 'trace "run3-000017" already exists in dataset "skip-conflict" with different content' }] });
    const summary = await importFiles({ files: [changed], dataset: "skip-conflict", images: IMAGES, skipInvalid: true });
    expect(summary).toMatchObject({ created: { traces: 0 }, duplicates: 1, skipped: [{ file: changed, line: 1, path: "$.id" }] });
  });

  it("a failed write leaves no image file behind that it copied in", async () => {
    const original = F("canonical/clevr-781-two-traces.jsonl");
    await importFiles({ files: [original], dataset: "orphan-images", images: IMAGES });
    const stored = await db().image.findMany({ where: { dataset: { name: "orphan-images" }, path: { not: null } }, select: { path: true } });
    expect(stored.length).toBeGreaterThan(0);
    // the same trace ids with other content (a write-pass conflict), and its image with other bytes:
    // validation passes, the new image is copied into the store, then the write is refused
    const changed = tmp("changed.jsonl", fs.readFileSync(original, "utf8").replace('"answer":"2"', '"answer":"3"'));
    const png = fs.readFileSync(path.join(IMAGES[0], "CLEVR_train_000781.png"));
    fs.writeFileSync(path.join(path.dirname(changed), "CLEVR_train_000781.png"), Buffer.concat([png, Buffer.from("other bytes")]));
    const sha = crypto.createHash("sha256").update(Buffer.concat([png, Buffer.from("other bytes")])).digest("hex");
    const orphan = path.join(imagesRoot(), sha.slice(0, 2), `${sha}.png`);
    await expect(importFiles({ files: [changed], dataset: "orphan-images", images: [path.dirname(changed)] })).rejects.toMatchObject({ code: "invalid_input" });
    expect(fs.existsSync(orphan)).toBe(false);
    // the images the first import stored are still there
    for (const row of stored) expect(fs.existsSync(path.join(imagesRoot(), "..", row.path!))).toBe(true);
  });

  it("an image name the dataset already holds with other bytes keeps the stored file, says so and leaves no stray copy", async () => {
    const original = F("canonical/clevr-781-two-traces.jsonl");
    await importFiles({ files: [original], dataset: "same-name-image", images: IMAGES });
    const before = await db().image.findFirstOrThrow({ where: { dataset: { name: "same-name-image" }, name: "CLEVR_train_000781.png" } });
    // new traces (other ids) on an image of the same name with other bytes
    const more = tmp("more.jsonl", fs.readFileSync(original, "utf8").replaceAll("run3-", "run4-"));
    const png = Buffer.concat([fs.readFileSync(path.join(IMAGES[0], "CLEVR_train_000781.png")), Buffer.from("edited")]);
    fs.writeFileSync(path.join(path.dirname(more), "CLEVR_train_000781.png"), png);
    const sha = crypto.createHash("sha256").update(png).digest("hex");
    const summary = await importFiles({ files: [more], dataset: "same-name-image", images: [path.dirname(more)] });
    expect(summary.created.traces).toBe(2);
    expect(summary.warnings).toEqual([expect.stringContaining("cannot be verified against a scene"), expect.stringContaining('image "CLEVR_train_000781.png" is already in the dataset with other bytes')]);
    const after = await db().image.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.path).toBe(before.path);
    expect(fs.existsSync(path.join(imagesRoot(), sha.slice(0, 2), `${sha}.png`))).toBe(false);
    expect(fs.existsSync(path.join(imagesRoot(), "..", before.path!))).toBe(true);
  });
});

describe("history", () => {
  it("records successful, dry-run and failed imports", async () => {
    const file = F("bad/orphan-result.jsonl");
    await importFiles({ files: [file], dataset: "history-a", images: IMAGES, source: "test" }).catch(() => undefined);
    await importFiles({ files: [F("canonical/clevr-781-two-traces.jsonl")], dataset: "history-a", images: IMAGES, source: "test", dryRun: true });
    const done = await importFiles({ files: [F("canonical/clevr-781-two-traces.jsonl")], dataset: "history-a", images: IMAGES, source: "test" });
    const rows = await db().import.findMany({ where: { datasetName: "history-a" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.status, r.dryRun, r.skippedCount])).toEqual([["failed", false, 1], ["done", true, 0], ["done", false, 0]]);
    expect(rows[0].error).toContain("tool result answers no call");
    expect(rows[2]).toMatchObject({ id: done.importId, created: done.created, format: "canonical", source: "test" });
  });
});

describe("concurrency", () => {
  it("two overlapping imports at the same time leave a consistent database (same process)", async () => {
    const a = F("canonical/clevr-781-two-traces.jsonl");
    const b = F("openai-chat/clevr-781-transcripts.jsonl");
    const results = await Promise.all([importFiles({ files: [a, b], dataset: "concurrent", images: IMAGES }), importFiles({ files: [b, a], dataset: "concurrent", images: IMAGES })]);
    const traces = results.map((r) => r.created.traces);
    expect(traces.sort()).toEqual([0, 5]);
    expect(results.map((r) => r.duplicates).sort()).toEqual([0, 5]);
    expect(await db().trace.count({ where: { dataset: { name: "concurrent" } } })).toBe(5);
    expect(await db().image.count({ where: { dataset: { name: "concurrent" } } })).toBe(1);
    const steps = await db().trace.findMany({ where: { dataset: { name: "concurrent" } }, select: { stepCount: true, _count: { select: { steps: true } } } });
    for (const t of steps) expect(t._count.steps).toBe(t.stepCount);
  });

  it("two CLI processes importing overlapping files at once leave a consistent database", async () => {
    const tsx = path.resolve("node_modules/tsx/dist/cli.mjs");
    const run = (files: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [tsx, "lib/cli/main.ts", "import", ...files, "--dataset", "two-processes", "--images", IMAGES[0], "--no-verify", "--json"], { env: process.env, stdio: ["ignore", "pipe", "ignore"] });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.on("close", (code) => resolve({ code, stdout }));
      });
    const a = F("canonical/clevr-781-two-traces.jsonl");
    const b = F("react/agent-logs.txt");
    const [one, two] = await Promise.all([run([a, b]), run([b, a])]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const created = [JSON.parse(one.stdout), JSON.parse(two.stdout)].map((s) => s.created.traces + s.duplicates);
    expect(created).toEqual([5, 5]);
    expect(await db().trace.count({ where: { dataset: { name: "two-processes" } } })).toBe(5);
    expect(await db().step.count({ where: { trace: { dataset: { name: "two-processes" } } } })).toBe(16 + 27);
  });
});
