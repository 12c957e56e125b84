import path from "node:path";
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z.string().default("file:./data/stepwise.db"),
  STEPWISE_DATA_DIR: z.string().default("./data"),
  STEPWISE_USER: z.string().default("local"),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
  /** Records per write chunk of an import (docs/limits.md); tests lower it to cut small files in chunks. */
  STEPWISE_IMPORT_CHUNK: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Uploads are imported in a worker thread (docs/limits.md "Big uploads"); `off`: on the server's main thread (the load bench's comparison). */
  STEPWISE_IMPORT_THREAD: z.enum(["on", "off"]).default("on"),
});

export type Env = z.infer<typeof schema>;

/** Parsed on every call so tests and CLI flags that set process.env take effect. */
export function env(): Env {
  return schema.parse(process.env);
}

export function dataDir(): string {
  return path.resolve(env().STEPWISE_DATA_DIR);
}

/** Absolute path of the SQLite file, or null when DATABASE_URL is not a file: URL. */
export function sqliteFile(url = env().DATABASE_URL): string | null {
  if (!url.startsWith("file:")) return null;
  return path.resolve(url.slice("file:".length));
}
