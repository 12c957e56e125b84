import fs from "node:fs";
import { decodeUtf8, fileChunks, type ReadProgress } from "@/lib/formats/source";

// Numbered lines of text from a byte stream. Bytes are split on \n before decoding so a bad
// UTF-8 sequence is reported on its own line, and an over-long line is rejected without
// buffering it whole. `splitLines` is the synchronous form every format reader uses;
// `readLines` the async form for streams.

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export type Line = { line: number; text: string } | { line: number; error: string };

class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflow = false;
  private line = 0;

  constructor(private readonly maxLineBytes: number) {}

  private finish(chunk: Buffer): Line {
    this.line += 1;
    const line = this.line;
    if (this.overflow) return { line, error: `line is longer than the ${this.maxLineBytes}-byte limit` };
    let bytes = this.pending.length ? Buffer.concat([...this.pending, chunk]) : chunk;
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes.length > this.maxLineBytes) return { line, error: `line is longer than the ${this.maxLineBytes}-byte limit` };
    const text = decodeUtf8(bytes);
    return text === null ? { line, error: "line is not valid UTF-8" } : { line, text };
  }

  *push(chunk: Buffer): Generator<Line> {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      yield this.finish(chunk.subarray(start, newline));
      this.pending = [];
      this.pendingBytes = 0;
      this.overflow = false;
      start = newline + 1;
    }
    if (start < chunk.length && !this.overflow) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        this.overflow = true;
        this.pending = [];
      } else {
        this.pending.push(rest);
      }
    }
  }

  *end(): Generator<Line> {
    if (this.pendingBytes > 0 || this.overflow) yield this.finish(Buffer.alloc(0));
  }
}

export function* splitLines(chunks: Iterable<Buffer>, maxLineBytes = MAX_LINE_BYTES): Generator<Line> {
  const splitter = new LineSplitter(maxLineBytes);
  for (const chunk of chunks) yield* splitter.push(chunk);
  yield* splitter.end();
}

/** Lines of a file, read synchronously in bounded chunks. */
export function fileLines(file: string, progress?: ReadProgress, maxLineBytes = MAX_LINE_BYTES): Generator<Line> {
  return splitLines(fileChunks(file, progress), maxLineBytes);
}

export async function* readLines(
  source: string | AsyncIterable<Buffer | Uint8Array>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  const stream = typeof source === "string" ? fs.createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const splitter = new LineSplitter(maxLineBytes);
  for await (const raw of stream) yield* splitter.push(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  yield* splitter.end();
}

/** "$.steps[3].kind" from a zod / JSON path. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), "$");
}
