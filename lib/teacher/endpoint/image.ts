import fs from "node:fs";
import { imageInfo } from "@/lib/formats/image-size";
import type { ImagePart } from "@/lib/teacher/endpoint/types";

// The image of a request as an `image_url` content part: a stored file goes inline as a base64
// `data:` URI (every OpenAI-compatible server with vision takes those; not all fetch URLs), an
// image known only by URL goes as that URL. Encoded files are kept in a small LRU: a tool loop
// resends the image with every turn of the conversation.

const CACHE_LIMIT = 32;
const cache = new Map<string, string>();

export function dataUri(bytes: Buffer, mime?: string | null): string {
  const type = mime ?? imageInfo(bytes)?.mime ?? "application/octet-stream";
  return `data:${type};base64,${bytes.toString("base64")}`;
}

/** A file's data: URI (cached by path and modification time). */
export function fileDataUri(file: string, mime?: string | null): string {
  const stat = fs.statSync(file);
  const key = `${file}\u0000${stat.mtimeMs}\u0000${stat.size}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const uri = dataUri(fs.readFileSync(file), mime);
  cache.set(key, uri);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return uri;
}

/** The content part for an image: its file inline when there is one, else its URL; null without either. */
export function imagePart(image: { file?: string | null; url?: string | null; mime?: string | null }): ImagePart | null {
  if (image.file) return { type: "image_url", image_url: { url: fileDataUri(image.file, image.mime) } };
  if (image.url) return { type: "image_url", image_url: { url: image.url } };
  return null;
}

/** The bytes of a base64 data: URI (null for anything else). */
export function dataUriBytes(uri: string): Buffer | null {
  const match = /^data:[^;,]*;base64,/.exec(uri);
  return match ? Buffer.from(uri.slice(match[0].length), "base64") : null;
}
