import type { RelationClass } from "@/lib/taxonomy/relations";

// Rebalancing SpaRE's long tail (docs/design.md §12): the paper measured the relation distribution
// (right 21.7 %, left 19.3 % … the top 17 % of relations cover ~90 %) and left it. We cap each of our
// relation classes — the export's `relationCaps` — and this is the preview the funnel page draws:
// what each relation keeps when its class is cut to the cap (export samples within a class, so the
// class's relations shrink in proportion).

export interface RelationCount {
  relation: string;
  class: string;
  kept: number;
}

export interface RebalancedCount extends RelationCount {
  after: number;
}

/** A cap that trims the head without starving the tail: the median of the non-empty classes' sizes. */
export function suggestedClassCap(rows: RelationCount[]): number {
  const sizes = [...classTotals(rows).values()].filter((n) => n > 0).sort((a, b) => a - b);
  if (sizes.length === 0) return 0;
  const mid = Math.floor(sizes.length / 2);
  return sizes.length % 2 ? sizes[mid] : Math.ceil((sizes[mid - 1] + sizes[mid]) / 2);
}

function classTotals(rows: RelationCount[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.class, (totals.get(row.class) ?? 0) + row.kept);
  return totals;
}

/**
 * Each class over its cap shrinks to exactly the cap, its relations in proportion (largest
 * remainder, ties to the larger relation); classes without a cap, or under it, are unchanged.
 */
export function rebalance(rows: RelationCount[], caps: Partial<Record<RelationClass | string, number>>): RebalancedCount[] {
  const totals = classTotals(rows);
  const out: RebalancedCount[] = rows.map((r) => ({ ...r, after: r.kept }));
  for (const [cls, total] of totals) {
    const cap = caps[cls];
    if (cap === undefined || cap < 0 || total <= cap) continue;
    const members = out.filter((r) => r.class === cls);
    const shares = members.map((r) => (r.kept * cap) / total);
    members.forEach((r, i) => (r.after = Math.floor(shares[i])));
    let left = cap - members.reduce((a, r) => a + r.after, 0);
    const order = members.map((r, i) => ({ i, rest: shares[i] - r.after, kept: r.kept })).sort((a, b) => b.rest - a.rest || b.kept - a.kept);
    for (const { i } of order) {
      if (left <= 0) break;
      members[i].after++;
      left--;
    }
  }
  return out;
}
