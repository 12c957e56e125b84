import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { imageInfo, type ImageInfo } from "@/lib/formats/image-size";
import { fileHead } from "@/lib/formats/source";

// Images are copied into the data dir content-addressed: images/<sha[0:2]>/<sha>.<ext>.
// `resolveStoredImage` is the only way back to a file and never leaves that directory.

export interface StoredImage {
  sha256: string;
  path: string; // relative to the data dir
  width: number;
  height: number;
  mime: string;
  /** This call wrote the file (it was not in the store before). */
  created?: boolean;
}

export function imagesRoot(): string {
  return path.join(dataDir(), "images");
}

export function storeImageBytes(bytes: Buffer, name: string): StoredImage {
  const info = imageInfo(bytes);
  if (!info) throw new AppError("invalid_input", `${name}: not a PNG, JPEG, GIF or WebP image`);
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  const relative = path.join("images", sha256.slice(0, 2), `${sha256}.${info.ext}`);
  const absolute = path.join(dataDir(), relative);
  const created = !fs.existsSync(absolute);
  if (created) {
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    const temporary = `${absolute}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, bytes);
    fs.renameSync(temporary, absolute);
  }
  return { sha256, path: relative, width: info.width, height: info.height, mime: info.mime, created };
}

/**
 * Removes stored files that no Image row references — the files an import copied in before its
 * write failed. `isReferenced` answers for a batch of relative paths which ones the DB still holds
 * (another import may have committed the same content meanwhile).
 */
export async function removeUnreferencedImages(relativePaths: string[], isReferenced: (paths: string[]) => Promise<Set<string>>): Promise<number> {
  let removed = 0;
  for (let i = 0; i < relativePaths.length; i += 500) {
    const batch = relativePaths.slice(i, i + 500);
    const kept = await isReferenced(batch);
    for (const relative of batch) {
      if (kept.has(relative)) continue;
      const absolute = resolveStoredImage(relative);
      if (absolute) {
        fs.rmSync(absolute, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

export function storeImageFile(file: string): StoredImage {
  return storeImageBytes(fs.readFileSync(file), file);
}

const HEAD_BYTES = 64 * 1024;

/** Size and type from the file's first bytes (the whole file only when a JPEG hides its size deep). */
export function readImageInfo(file: string): ImageInfo | null {
  const head = fileHead(file, HEAD_BYTES);
  const info = imageInfo(head);
  if (info || head.length < HEAD_BYTES) return info;
  return imageInfo(fs.readFileSync(file));
}

/**
 * Absolute path for a stored relative path, or null when it would leave images/ — also through
 * a symlink, since the real path is what gets checked.
 */
export function resolveStoredImage(relative: string): string | null {
  if (typeof relative !== "string" || relative.includes("\0")) return null;
  const absolute = path.resolve(dataDir(), relative);
  if (!fs.existsSync(absolute)) return null;
  let root: string;
  let real: string;
  try {
    root = fs.realpathSync(imagesRoot());
    real = fs.realpathSync(absolute);
  } catch {
    return null;
  }
  if (!real.startsWith(root + path.sep) || !fs.statSync(real).isFile()) return null;
  return real;
}
