import path from "node:path";
import { dataDir } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { ExportImage, StepLabel } from "@/lib/formats/export/types";
import type { ExportConfig, VerifierRunRef } from "@/lib/schemas/exports";
import type { DatasetSource } from "@/lib/schemas/license";
import { imagesRoot } from "@/lib/services/import/image-store";
import type { ExportSource, TraceRow } from "@/lib/services/export/export-source";

/**
 * String order for everything an export writes: by UTF-16 code units, the same on every machine
 * (`localeCompare` follows the process's locale, so a card or manifest could differ between two
 * machines exporting the same data).
 */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// What the three export passes share: the snapshot source, the resolved datasets and verifier
// runs, cancellation, and small helpers.

export type ProgressHandler = (fraction: number, stage: string) => void;

export class ExportCancelled extends Error {
  constructor() {
    super("export cancelled");
  }
}

export interface Context {
  config: ExportConfig;
  source: ExportSource;
  /** Whether any step of the datasets was edited (edits label steps even without reviews). */
  hasEdits: boolean;
  datasets: Map<number, string>;
  runIds: number[];
  versionOf: Map<number, number>;
  verifier: VerifierRunRef[];
  /** Licence and attribution of every exported dataset, by name. */
  sources: DatasetSource[];
}

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ExportCancelled();
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function openContext(source: ExportSource, config: ExportConfig): Promise<Context> {
  const datasets = await source.datasets(config.datasets);
  const runs = await source.runs(datasets.map((d) => d.id), config.verifierVersion);
  const nameOf = new Map(datasets.map((d) => [d.id, d.name]));
  if (config.verifierVersion !== null) {
    const without = datasets.filter((d) => !runs.some((r) => r.datasetId === d.id));
    if (without.length) {
      throw new AppError("invalid_input", `no finished run of verifier version ${config.verifierVersion} on ${without.map((d) => `"${d.name}"`).join(", ")}; run that verifier first or pick another version`);
    }
  }
  if ((config.validOnly || config.minQuality !== null || config.labels === "verifier-only") && runs.length < datasets.length) {
    const without = datasets.filter((d) => !runs.some((r) => r.datasetId === d.id)).map((d) => `"${d.name}"`);
    const what = config.validOnly ? "valid only" : config.minQuality !== null ? "a minimum quality" : "verifier-only labels";
    throw new AppError("invalid_input", `${what} needs a finished verifier run, and ${without.join(", ")} has none; run the verifier first`);
  }
  return {
    config,
    source,
    hasEdits: await source.hasEdits(datasets.map((d) => d.id)),
    datasets: nameOf,
    runIds: runs.map((r) => r.runId),
    versionOf: new Map(runs.map((r) => [r.datasetId, r.version])),
    verifier: runs.map((r) => ({ dataset: nameOf.get(r.datasetId)!, runId: r.runId, version: r.version, name: r.name })).sort((a, b) => compareCodeUnits(a.dataset, b.dataset)),
    sources: datasets.map((d) => {
      const declared = [...new Set([d.license, ...((JSON.parse(d.importLicenses ?? "[]") as Array<string | null>))].filter((l): l is string => Boolean(l)))].sort(compareCodeUnits);
      return { dataset: d.name, license: declared.length ? declared.join(", ") : null, attribution: d.attribution };
    }),
  };
}

export function parseJson(text: string | null | undefined): unknown {
  return text === null || text === undefined ? undefined : JSON.parse(text);
}

export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export const UNLABELED: StepLabel = { value: null, source: null, human: null, humanSource: null, verifier: null };

export function imageOf(row: TraceRow): ExportImage | null {
  if (!row.imageName) return null;
  const file = row.imagePath ? path.resolve(dataDir(), row.imagePath) : null;
  return { name: row.imageName, sha256: row.imageSha256, file: file && file.startsWith(imagesRoot() + path.sep) ? file : null, url: row.imageUrl, mime: row.imageMime };
}
