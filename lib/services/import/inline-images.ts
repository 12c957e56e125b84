import crypto from "node:crypto";
import fs from "node:fs";
import { db } from "@/lib/db";
import type { NormalizedImage } from "@/lib/formats/types";
import { storeImageBytes, type StoredImage } from "@/lib/services/import/image-store";
import type { ResolvedImage } from "@/lib/services/import/import-writer";

// Images that arrive inside the records (agent logs' data: URIs), as opposed to image files next
// to them. Pass 1 stores their bytes content-addressed right away (they are not kept in memory
// until pass 2); the import's cleanup removes the files no row took, as for copied files.
// An inline image is named by its content (`<sha256[0:16]>.<ext>`); when the dataset — or an image
// file of the same import — already holds the same bytes under another name (the CLEVR image a
// scene refers to), the inline name becomes an alias of that image, so the trace links to it and
// to its scene.

export interface InlineResolved extends ResolvedImage {
  file: null;
  sha256: string;
  /** The dataset's name for the same bytes, when it has them under another name. */
  alias?: string;
}

export function resolveInlineImage(image: NormalizedImage & { data: Buffer }, options: { store: boolean; created: string[] }): InlineResolved {
  const sha256 = crypto.createHash("sha256").update(image.data).digest("hex");
  let stored: StoredImage | null = null;
  if (options.store) {
    stored = storeImageBytes(image.data, image.name);
    if (stored.created) options.created.push(stored.path);
  }
  return { stored, url: null, width: image.width ?? stored?.width ?? null, height: image.height ?? stored?.height ?? null, file: null, sha256 };
}

/**
 * Points each inline image at an image with the same bytes: a file of this import (hashed here
 * when it was not stored, as in a dry run) or an image row of the dataset.
 */
export async function aliasInlineImages(images: Map<string, ResolvedImage & { file: string | null; sha256?: string; alias?: string }>, dataset: string): Promise<void> {
  const inline = [...images].filter(([, image]) => image.sha256 && !image.file);
  if (!inline.length) return;
  const bySha = new Map<string, string>();
  for (const [name, image] of images) {
    if (image.sha256 && !image.file) continue;
    const sha = image.stored?.sha256 ?? (image.file ? crypto.createHash("sha256").update(fs.readFileSync(image.file)).digest("hex") : null);
    if (sha && !bySha.has(sha)) bySha.set(sha, name);
  }
  const wanted = inline.map(([, image]) => image.sha256!).filter((sha) => !bySha.has(sha));
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db().image.findMany({ where: { dataset: { name: dataset }, sha256: { in: wanted.slice(i, i + 500) } }, select: { name: true, sha256: true }, orderBy: { id: "asc" } });
    for (const row of rows) if (row.sha256 && !bySha.has(row.sha256)) bySha.set(row.sha256, row.name);
  }
  for (const [name, image] of inline) {
    const target = bySha.get(image.sha256!);
    if (target && target !== name) image.alias = target;
  }
}
