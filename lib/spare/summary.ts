import { FILTERS, type FilterName } from "@/lib/spare/filters";
import type { CaptionOutcome } from "@/lib/spare/pipeline";

// The funnel of a SpaRE run (docs/design.md §12), the CLI's `--json` shape:
// kept + Σ removed = generated, always.

export interface SpareFunnel {
  captions: { in: number; spatial: number };
  pairs: { generated: number; kept: number; unparseable: number };
  removed: Record<FilterName, number>;
  /** Kept pairs per SpaRE relation ("none": no relation phrase), most frequent first. */
  relations: Record<string, number>;
}

export function emptyFunnel(): SpareFunnel {
  return { captions: { in: 0, spatial: 0 }, pairs: { generated: 0, kept: 0, unparseable: 0 }, removed: Object.fromEntries(FILTERS.map((f) => [f, 0])) as Record<FilterName, number>, relations: {} };
}

export function addOutcome(funnel: SpareFunnel, outcome: CaptionOutcome): void {
  funnel.captions.in++;
  if (outcome.spatial) funnel.captions.spatial++;
  if (outcome.unparseable) funnel.pairs.unparseable++;
  for (const pair of outcome.pairs) {
    funnel.pairs.generated++;
    if (pair.status === "kept") {
      funnel.pairs.kept++;
      funnel.relations[pair.relation] = (funnel.relations[pair.relation] ?? 0) + 1;
    } else if (pair.removedBy) funnel.removed[pair.removedBy]++;
  }
}

/** Relations ordered by count (then name), so JSON output is stable. */
export function sortRelations(relations: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(relations).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
