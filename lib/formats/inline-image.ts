import crypto from "node:crypto";
import path from "node:path";
import { imageInfo, type ImageInfo } from "@/lib/formats/image-size";

// Images that agent logs carry inside the record: `image_url` parts whose url is a data: URI, or
// (as AutoGen / Visual Sketchpad logs store them) bare base64 without the data: prefix. They are
// named by their content, so the same picture sent twice is one image.

export type ImageReference =
  | { kind: "inline"; name: string; bytes: Buffer; info: ImageInfo; sha256: string; encoded: string }
  | { kind: "name"; name: string }
  | { kind: "invalid"; error: string; encoded: string };

const DATA_URI = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;
/** Shorter than this, a bare string of base64 letters is more likely a file name than a picture. */
const MIN_BARE_BASE64 = 64;

/** `<first 16 hex of sha256>.<ext>`: unique per content, short enough to read in the UI. */
export function inlineImageName(sha256: string, ext: string): string {
  return `${sha256.slice(0, 16)}.${ext}`;
}

function decoded(encoded: string, bytes: Buffer, what: string): ImageReference {
  const info = imageInfo(bytes);
  if (!info) return { kind: "invalid", encoded, error: `${what} is not a PNG, JPEG, GIF or WebP image (${bytes.length} bytes starting ${JSON.stringify(bytes.subarray(0, 8).toString("latin1"))})` };
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  return { kind: "inline", name: inlineImageName(sha256, info.ext), bytes, info, sha256, encoded };
}

/**
 * What an image url in a message names: inline bytes (data: URI or bare base64), a URL kept as
 * is, or a file name (a path's base name, resolved later against the images directories).
 */
export function readImageUrl(url: string): ImageReference {
  const trimmed = url.trim();
  const dataUri = DATA_URI.exec(trimmed);
  if (dataUri) {
    const payload = trimmed.slice(dataUri[0].length);
    const isBase64 = /;base64$/i.test(dataUri[2]);
    if (!isBase64) return { kind: "invalid", encoded: payload, error: `data: URI of type "${dataUri[1] || "text/plain"}" is not base64-encoded image data` };
    if (!BASE64.test(payload)) return { kind: "invalid", encoded: payload, error: "data: URI whose payload is not valid base64" };
    return decoded(payload, Buffer.from(payload, "base64"), `data: URI (${dataUri[1] || "no type"})`);
  }
  if (/^(https?:)?\/\//i.test(trimmed)) return { kind: "name", name: trimmed };
  if (trimmed.length >= MIN_BARE_BASE64 && !/[./\\]\w{2,4}$/.test(trimmed) && BASE64.test(trimmed)) {
    return decoded(trimmed, Buffer.from(trimmed, "base64"), "base64 image data");
  }
  return { kind: "name", name: path.basename(trimmed.replace(/^file:\/\//, "")) };
}
