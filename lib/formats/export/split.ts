import crypto from "node:crypto";
import { SPLITS, type ExportConfig, type SplitName } from "@/lib/schemas/exports";

// Splits are by image: the split is a pure function of (seed, image key), so every trace of an
// image — across datasets too, when the file is the same (sha256) — lands in the same split, and
// adding data never moves existing images between splits. Dedupe groups are (image, normalised
// question), so a group never straddles two splits either.

/** Lower case, NFKC, punctuation and runs of whitespace collapsed: "Is it red?" ≡ "is it  red". */
export function normalizeQuestion(text: string): string {
  // ASCII fast path: same result as the Unicode path below for ASCII input
  if (/^[\x20-\x7e]*$/.test(text)) return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  return text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** Identity of an image for splitting: its content hash when stored, else dataset + file name. */
export function imageKey(image: { sha256: string | null; name: string } | null, dataset: string, question: string): string {
  if (image?.sha256) return `sha256:${image.sha256}`;
  if (image) return `name:${dataset}/${image.name}`;
  // no image: the question alone keys the split, so its dedupe group stays in one split
  return `question:${normalizeQuestion(question)}`;
}

export function groupKey(imageKeyValue: string, question: string): string {
  return `${imageKeyValue}\n${normalizeQuestion(question)}`;
}

/** Uniform number in [0, 1) from (seed, salt, key): 52 bits of SHA-256, exact in a double. */
export function unitHash(seed: number, salt: string, key: string): number {
  const hex = crypto.createHash("sha256").update(`${seed}\u0000${salt}\u0000${key}`).digest("hex");
  return parseInt(hex.slice(0, 13), 16) / 2 ** 52;
}

/** Two independent uniforms from one digest (cheaper than two unitHash calls). */
export function unitHashes(seed: number, key: string): [number, number] {
  const hex = crypto.createHash("sha256").update(`${seed}\u0000units\u0000${key}`).digest("hex");
  return [parseInt(hex.slice(0, 13), 16) / 2 ** 52, parseInt(hex.slice(13, 26), 16) / 2 ** 52];
}

export function assignSplit(u: number, ratios: ExportConfig["split"]): SplitName {
  let cumulative = 0;
  let last: SplitName = "train";
  for (const split of SPLITS) {
    if (ratios[split] <= 0) continue;
    cumulative += ratios[split];
    last = split;
    if (u < cumulative) return split;
  }
  return last;
}

export function splitOf(seed: number, key: string, ratios: ExportConfig["split"]): SplitName {
  return assignSplit(unitHash(seed, "split", key), ratios);
}
