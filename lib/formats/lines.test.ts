import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonPath, readLines, type Line } from "@/lib/formats/lines";

async function collect(source: AsyncIterable<Buffer>, max?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of readLines(source, max)) out.push(line);
  return out;
}

async function* chunks(...parts: Array<string | Buffer>): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
}

describe("readLines", () => {
  it("numbers lines across chunk boundaries and strips CR and BOM", async () => {
    const lines = await collect(chunks("\ufeffa\r\nb", "c\n", "\nd"));
    expect(lines).toEqual([
      { line: 1, text: "a" },
      { line: 2, text: "bc" },
      { line: 3, text: "" },
      { line: 4, text: "d" },
    ]);
  });

  it("reports invalid UTF-8 on its own line and keeps going", async () => {
    const lines = await collect(chunks("ok\n", Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), "next\n"));
    expect(lines[1]).toEqual({ line: 2, error: "line is not valid UTF-8" });
    expect(lines[2]).toEqual({ line: 3, text: "next" });
  });

  it("rejects an over-long line without buffering it", async () => {
    const lines = await collect(chunks("x".repeat(10), "y".repeat(10), "\nshort\n"), 15);
    expect(lines[0]).toEqual({ line: 1, error: "line is longer than the 15-byte limit" });
    expect(lines[1]).toEqual({ line: 2, text: "short" });
  });

  it("reads files from disk", async () => {
    const file = path.join(os.tmpdir(), `lines-${process.pid}.jsonl`);
    fs.writeFileSync(file, "one\ntwo");
    const out: Line[] = [];
    for await (const line of readLines(file)) out.push(line);
    fs.rmSync(file);
    expect(out).toEqual([{ line: 1, text: "one" }, { line: 2, text: "two" }]);
  });
});

describe("jsonPath", () => {
  it("formats keys and indices", () => {
    expect(jsonPath(["steps", 3, "kind"])).toBe("$.steps[3].kind");
    expect(jsonPath([])).toBe("$");
  });
});
