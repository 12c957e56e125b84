import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/env";

// Which data dir a process works in (docs/design.md §14, docs/postgres.md "Workers on several
// machines"). Images and finished exports are files in STEPWISE_DATA_DIR, not rows: a worker on
// another machine that took an export would write it where the app cannot serve it, and a
// generation job there would find no images. So work that touches files travels on a queue of its
// data dir — `<kind>-<id>`, the id a random one kept in the data dir itself — and a worker takes
// only its own data dir's queue. Processes that share the directory (one machine, a Docker volume,
// NFS) share the id and so the queue; a worker elsewhere still takes verifier chunks, which need the
// database only.

const MARKER = ".stepwise-data-id";
const ID = /^[0-9a-f]{32}$/;

const known = new Map<string, string>();

/** The id of this process's data dir: read from its marker file, made there on first use. */
export function dataDirId(): string {
  const dir = path.resolve(dataDir());
  const cached = known.get(dir);
  if (cached) return cached;
  const file = path.join(dir, MARKER);
  fs.mkdirSync(dir, { recursive: true });
  try {
    // exclusive create: of two processes starting on a fresh directory at once, one id wins
    fs.writeFileSync(file, `${crypto.randomBytes(16).toString("hex")}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const id = fs.readFileSync(file, "utf8").trim();
  if (!ID.test(id)) throw new Error(`${file}: not a data dir id (32 hex digits); remove the file and it is made again`);
  known.set(dir, id);
  return id;
}

/** The queue for work of `kind` that reads or writes files in data dir `id` (this process's by default). */
export function dataDirQueue(kind: string, id: string = dataDirId()): string {
  return `${kind}-${id}`;
}
