import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { importFiles } from "@/lib/services/import/imports";

// Hostile lines refused in the check pass (docs/limits.md): nothing written, file, line and path named.

function tmp(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-hostile-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function trace(id: string, extra: Record<string, unknown> = {}, args: unknown = { object: "all" }) {
  return JSON.stringify({
    schema: "stepwise.trace/v1", id, question: "How many?", answer: "3",
    steps: [{ kind: "tool_call", id: "c1", tool: "count", args }, { kind: "tool_result", call: "c1", output: 3 }, { kind: "answer", text: "3" }],
    ...extra,
  });
}

async function refused(content: string, dataset: string): Promise<AppError> {
  const file = tmp("t.jsonl", content);
  const before = await db().trace.count();
  const error = await importFiles({ files: [file], dataset }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("invalid_input");
  expect(await db().trace.count()).toBe(before);
  expect(await db().dataset.findUnique({ where: { name: dataset } })).toBeNull();
  return error as AppError;
}

describe("hostile import lines", () => {
  it("args nested 10,000 deep fail the check pass (not the write pass with a 500)", async () => {
    // written as text: JSON.stringify itself overflows the stack at this depth
    const deepLine = trace("deep", {}, { object: "__DEEP__" }).replace('"__DEEP__"', `${'{"k":'.repeat(10_000)}1${"}".repeat(10_000)}`);
    const error = await refused(`${trace("ok")}\n${deepLine}\n`, "hostile-deep");
    expect(error.details[0]).toMatchObject({ line: 2, path: "$.steps[0].args", error: expect.stringContaining("32 levels") });
  });

  it("args over 64 KB are refused naming the limit", async () => {
    const error = await refused(`${trace("big", {}, { object: "x".repeat(70_000) })}\n`, "hostile-big");
    expect(error.details[0]).toMatchObject({ line: 1, path: "$.steps[0].args", error: expect.stringContaining("64 KB") });
  });

  it.each([
    ["javascript:alert(1)", "javascript: scheme"],
    ["file:///etc/passwd", "file: scheme"],
    ["//evil.example/x.png", "protocol-relative"],
    ["data:text/html,<script>", "data: scheme"],
  ])("image %s is refused", async (image, message) => {
    const error = await refused(`${trace("img", { image })}\n`, `hostile-img-${message.split(/\W/)[0]}`);
    expect(error.details[0]).toMatchObject({ line: 1, path: "$.image", error: expect.stringContaining(message) });
  });
});
