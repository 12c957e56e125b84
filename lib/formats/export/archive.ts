import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { create } from "tar";

// One downloadable archive of a finished export, as tar.gz through node-tar (maintained by the npm
// team, streaming, no native code). Deterministic: entries in sorted order, a fixed mtime,
// `portable` headers (no uid/gid/user names/atime/ctime, umask-independent modes) and gzip headers
// without timestamps — the same export folder always gives the same archive bytes. The archive is
// streamed on request, so finished exports take no extra disk space.

export const ARCHIVE_MTIME = new Date("2000-01-01T00:00:00Z");

/** Every file under `dir`, relative, sorted by path (directories walked one at a time). */
export function listFiles(dir: string, relative = ""): string[] {
  const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(dir, child));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

/** The card and manifest first (so a partial download is still self-describing), then the rest in path order. */
export function archiveOrder(files: string[]): string[] {
  const first = ["README.md", "manifest.json"].filter((f) => files.includes(f));
  return [...first, ...files.filter((f) => !first.includes(f))];
}

export function archiveStream(dir: string, prefix: string): Readable {
  const files = archiveOrder(listFiles(dir));
  const pack = create({ gzip: true, cwd: dir, portable: true, mtime: ARCHIVE_MTIME, prefix, noDirRecurse: true }, files);
  return Readable.from(pack as AsyncIterable<Buffer>);
}

export async function writeArchive(dir: string, prefix: string, file: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(file);
    archiveStream(dir, prefix).on("error", reject).pipe(out).on("error", reject).on("close", () => resolve());
  });
}
