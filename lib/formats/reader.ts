import type { ReadProgress } from "@/lib/formats/source";
import type { ReadItem } from "@/lib/formats/types";

// The contract every input format implements: a detector over the first bytes of a file and a
// synchronous generator of records (see source.ts for why synchronous). Readers are pure: they
// never touch the database, and reading a file twice yields the same items in the same order.

export interface ReadContext {
  file: string;
  progress: ReadProgress;
  /** Pass 2: the file was validated in pass 1, so readers may skip expensive checks. */
  trusted: boolean;
  /** Name for detector boxes (`detector:<name>`), when the input does not say. */
  detector?: string;
  /** Pass 2: units (see ImportRecord) that pass 1 found invalid; readers may skip them early. */
  skip?: (unit: string) => boolean;
}

export interface Sniff {
  fileName: string;
  /** Up to the first 64 KiB, decoded leniently. */
  head: string;
  /** The first non-empty line, trimmed. */
  firstLine: string;
  /** The first line parsed as JSON, when it is a complete JSON value. */
  firstValue: unknown;
}

export interface FormatDefinition {
  name: string;
  summary: string;
  detect: (sniff: Sniff) => boolean;
  read: (context: ReadContext) => Generator<ReadItem>;
}
