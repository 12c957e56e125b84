import crypto from "node:crypto";
import fs from "node:fs";
import { once } from "node:events";
import path from "node:path";
import type { ExportFileEntry } from "@/lib/schemas/exports";

// Streams JSON lines into `data/{split}-00000-of-0000N.jsonl` shards (the Hugging Face layout).
// N is only known at the end, so shards are written under a temporary name and renamed on close.
// Each shard is hashed while it is written (no second read), and lines are batched into ~256 KB
// writes that respect the stream's backpressure: memory stays flat whatever the row count.

const BATCH_BYTES = 256 * 1024;

interface OpenShard {
  file: string;
  stream: fs.WriteStream;
  hash: crypto.Hash;
  rows: number;
  bytes: number;
}

export function shardName(prefix: string, split: string, index: number, count: number, ext: string): string {
  const pad = (n: number) => String(n).padStart(5, "0");
  return `${prefix}/${split}-${pad(index)}-of-${pad(count)}.${ext}`;
}

export class ShardWriter {
  private current: OpenShard | null = null;
  private readonly done: Array<{ temporary: string; rows: number; bytes: number; sha256: string }> = [];
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly root: string,
    private readonly prefix: string,
    private readonly split: string,
    private readonly shardRows: number,
    private readonly ext = "jsonl",
  ) {}

  /** Appends one row; `line` is the row's JSON without the newline. */
  async write(line: string): Promise<void> {
    if (!this.current) this.open();
    const chunk = `${line}\n`;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.current!.rows++;
    if (this.pendingBytes >= BATCH_BYTES) await this.flush();
    if (this.current!.rows >= this.shardRows) await this.closeCurrent();
  }

  private open(): void {
    const temporary = path.join(this.root, this.prefix, `${this.split}-${String(this.done.length).padStart(5, "0")}.partial`);
    fs.mkdirSync(path.dirname(temporary), { recursive: true });
    this.current = { file: temporary, stream: fs.createWriteStream(temporary), hash: crypto.createHash("sha256"), rows: 0, bytes: 0 };
  }

  private async flush(): Promise<void> {
    if (!this.current || this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(""), "utf8");
    this.pending = [];
    this.pendingBytes = 0;
    this.current.hash.update(buffer);
    this.current.bytes += buffer.length;
    if (!this.current.stream.write(buffer)) await once(this.current.stream, "drain");
  }

  private async closeCurrent(): Promise<void> {
    if (!this.current) return;
    await this.flush();
    const shard = this.current;
    this.current = null;
    shard.stream.end();
    await once(shard.stream, "close");
    this.done.push({ temporary: shard.file, rows: shard.rows, bytes: shard.bytes, sha256: shard.hash.digest("hex") });
  }

  /** Closes the last shard and gives every shard its final `-of-N` name. */
  async close(): Promise<ExportFileEntry[]> {
    await this.closeCurrent();
    return this.done.map((shard, index) => {
      const relative = shardName(this.prefix, this.split, index, this.done.length, this.ext);
      fs.renameSync(shard.temporary, path.join(this.root, relative));
      return { path: relative, rows: shard.rows, bytes: shard.bytes, sha256: shard.sha256 };
    });
  }

  /** Abandons the shards (on cancel or error). */
  destroy(): void {
    this.current?.stream.destroy();
    this.current = null;
  }
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), bytes };
}
