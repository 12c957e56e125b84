import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { imageInfo } from "@/lib/formats/image-size";

// Images are copied into the data dir content-addressed: images/<sha[0:2]>/<sha>.<ext>.
// `resolveStoredImage` is the only way back to a file and never leaves that directory.

export interface StoredImage {
  sha256: string;
  path: string; // relative to the data dir
  width: number;
  height: number;
  mime: string;
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
  if (!fs.existsSync(absolute)) {
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    const temporary = `${absolute}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, bytes);
    fs.renameSync(temporary, absolute);
  }
  return { sha256, path: relative, width: info.width, height: info.height, mime: info.mime };
}

export function storeImageFile(file: string): StoredImage {
  return storeImageBytes(fs.readFileSync(file), file);
}

/** Absolute path for a stored relative path, or null when it would escape images/. */
export function resolveStoredImage(relative: string): string | null {
  const root = imagesRoot();
  const absolute = path.resolve(dataDir(), relative);
  if (!absolute.startsWith(root + path.sep)) return null;
  return fs.existsSync(absolute) ? absolute : null;
}
