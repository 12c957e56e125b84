import { SPLITS, type ExportConfig, type ExportCounts, type SplitName } from "@/lib/schemas/exports";

// What an export should say out loud before anyone trains on it (shown in the preview, printed
// by the CLI, written in the card and the manifest): a split that came out empty or much smaller
// than asked — splits are by image, so a few images cannot fill 80/10/10 — and an image that sits
// in two splits (the same file name under different bytes or without bytes to hash). Pure.

export interface SplitFigures {
  ratios: ExportConfig["split"];
  counts: Pick<ExportCounts, "rows" | "splits">;
  /** Distinct images per split. */
  images: Partial<Record<SplitName, number>>;
  /** Image names found in more than one split (split indices as SPLITS positions). */
  leaks: Array<{ name: string; splits: SplitName[] }>;
  /** How many leaked names there are in all (the list may be cut). */
  leakCount?: number;
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** A split smaller than this share of what was asked is reported (random rounding stays quiet). */
const TOO_SMALL = 0.5;

export function splitWarnings(figures: SplitFigures): string[] {
  const { ratios, counts, images } = figures;
  const out: string[] = [];
  const totalImages = SPLITS.reduce((n, s) => n + (images[s] ?? 0), 0);
  const asked = SPLITS.reduce((n, s) => n + ratios[s], 0) || 1;
  for (const split of SPLITS) {
    const share = ratios[split] / asked;
    if (share <= 0 || counts.rows === 0) continue;
    const rows = counts.splits[split] ?? 0;
    const got = rows / counts.rows;
    const why = `splits are by image (every trace of an image stays in one split) and the export has ${totalImages} image${totalImages === 1 ? "" : "s"}`;
    if (rows === 0) {
      out.push(`The ${split} split is empty although ${percent(share)} was asked: ${why}. Add images, or set the ${split} share to 0.`);
    } else if (got < share * TOO_SMALL) {
      out.push(`The ${split} split has ${rows} row${rows === 1 ? "" : "s"} (${percent(got)}) although ${percent(share)} was asked: ${why}, ${images[split] ?? 0} of them in ${split}.`);
    }
  }
  if (figures.leaks.length) {
    const total = figures.leakCount ?? figures.leaks.length;
    const list = figures.leaks.slice(0, 5).map((l) => `${l.name} (${l.splits.join(", ")})`).join("; ");
    out.push(`${total} image name${total === 1 ? " is" : "s are"} in more than one split — the same picture stored with different bytes, or without bytes to hash, in two datasets: ${list}${total > 5 ? "; …" : ""}. Re-import the images as files so identical pictures share one split.`);
  }
  return out;
}
