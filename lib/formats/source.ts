import fs from "node:fs";
import { isUtf8 } from "node:buffer";

// Synchronous, bounded-memory reading of an input file. Every format reader is a synchronous
// generator over these chunks so that the same code serves both import passes: pass 1 drives it
// from async code (yielding to the event loop between batches), pass 2 drives it inside the one
// synchronous write transaction, which must never yield (see lib/db.ts writeTransaction).

export const CHUNK_BYTES = 1 << 20;

/** Counts bytes consumed so callers can report progress while a generator runs. */
export interface ReadProgress {
  bytes: number;
}

export function* fileChunks(file: string, progress?: ReadProgress, chunkBytes = CHUNK_BYTES): Generator<Buffer> {
  const fd = fs.openSync(file, "r");
  try {
    for (;;) {
      // a fresh buffer per chunk: consumers keep subarrays of it across iterations
      const buffer = Buffer.allocUnsafe(chunkBytes);
      const read = fs.readSync(fd, buffer, 0, chunkBytes, null);
      if (read === 0) return;
      if (progress) progress.bytes += read;
      yield read === chunkBytes ? buffer : buffer.subarray(0, read);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `bytes` bytes of a file, for format detection. */
export function fileHead(file: string, bytes = 64 * 1024): Buffer {
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const read = fs.readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** UTF-8 text of a byte range, or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString("utf8") : null;
}
