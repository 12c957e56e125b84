import fs from "node:fs";

// Streams a file as numbered lines of text. Bytes are split on \n before decoding so a bad
// UTF-8 sequence is reported on its own line, and an over-long line is rejected without
// buffering it whole.

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export type Line = { line: number; text: string } | { line: number; error: string };

export async function* readLines(
  source: string | AsyncIterable<Buffer | Uint8Array>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  const stream = typeof source === "string" ? fs.createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let line = 0;

  const finish = (chunk: Buffer): Line => {
    line += 1;
    if (overflow) return { line, error: `line is longer than the ${maxLineBytes}-byte limit` };
    let bytes = pending.length ? Buffer.concat([...pending, chunk]) : chunk;
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    try {
      return { line, text: decoder.decode(bytes) };
    } catch {
      return { line, error: "line is not valid UTF-8" };
    }
  };

  for await (const raw of stream) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      yield finish(chunk.subarray(start, newline));
      pending = [];
      pendingBytes = 0;
      overflow = false;
      start = newline + 1;
    }
    if (start < chunk.length && !overflow) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) {
        overflow = true;
        pending = [];
      } else {
        pending.push(Buffer.from(rest));
      }
    }
  }
  if (pendingBytes > 0 || overflow) yield finish(Buffer.alloc(0));
}

/** "$.steps[3].kind" from a zod / JSON path. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), "$");
}
