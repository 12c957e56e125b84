import { z } from "zod";

// Licences of datasets and imports, as the Hugging Face card's `license:` wants them (lower-case
// SPDX-style ids: cc-by-4.0, apache-2.0, …). People type "CC BY 4.0" or "CC-BY-4.0": both become
// cc-by-4.0. Anything else is kept, lower-cased with spaces as dashes.

const ALIASES: Record<string, string> = {
  "cc-by": "cc-by-4.0",
  "cc-by-4": "cc-by-4.0",
  "cc-by-sa": "cc-by-sa-4.0",
  "cc0": "cc0-1.0",
  "public-domain": "cc0-1.0",
  "apache": "apache-2.0",
  "apache-2": "apache-2.0",
  "apache-license-2.0": "apache-2.0",
  "creative-commons-attribution-4.0": "cc-by-4.0",
  "creative-commons-attribution-(cc-by-4.0)": "cc-by-4.0",
};

export function normalizeLicense(input: string): string {
  const id = input.trim().toLowerCase().replace(/\s+/g, "-").replace(/_/g, "-");
  return ALIASES[id] ?? id;
}

/** A licence field: trimmed, normalised, at most 100 characters; empty = not given. */
export const licenseField = z
  .string()
  .trim()
  .max(100, "a licence id is at most 100 characters (put longer text in attribution)")
  .regex(/^[\w .()+-]*$/, "a licence id is letters, digits, spaces, dots, dashes, + and ()")
  .optional()
  .transform((v) => (v ? normalizeLicense(v) : undefined));

export const attributionField = z.string().trim().max(2000).optional().transform((v) => v || undefined);

export interface DatasetSource {
  dataset: string;
  /** The dataset's licence, else the one its imports declared (several: joined), else null. */
  license: string | null;
  attribution: string | null;
}

/** The card's `license:` — the one licence every source shares, else "other" (or "unknown"). */
export function cardLicense(sources: DatasetSource[]): string {
  const ids = new Set(sources.map((s) => s.license));
  if (ids.size === 1) {
    const [only] = ids;
    return only && !only.includes(",") ? only : only ? "other" : "unknown";
  }
  return "other";
}
