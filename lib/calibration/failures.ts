import { wilson, type Interval } from "@/lib/calibration/intervals";
import { hasBit, resolveVotes, type Votes } from "@/lib/calibration/labels";
import { NO_TOOL, UNTAGGED } from "@/lib/calibration/steps";

// Failure explorer: where the verifier fails, from step profiles (every step of the run) and the
// labelled steps per profile. A failure = (step, rule) with the rule failing on the step.

export interface Profile {
  profile: number;
  failMask: number;
  passMask: number;
  kind: string;
  tool: string | null;
  /** Sorted relation classes of the step's question; empty when untagged. */
  classes: readonly string[];
  steps: number;
}

export interface LabelledProfile {
  votes: Votes;
  profile: number;
  count: number;
}

export interface FailureFilter {
  rule?: string;
  kind?: string;
  /** NO_TOOL for steps without a tool. */
  tool?: string;
  /** UNTAGGED for steps whose question has no relation tags. */
  relationClass?: string;
}

export type Dimension = "rule" | "kind" | "tool" | "relationClass";

export interface HumanCounts {
  reject: number;
  accept: number;
  neutral: number;
  ties: number;
}

export interface FailureRow {
  key: string;
  /** Failing (step, rule) pairs. */
  failures: number;
  /** Distinct failing steps. */
  steps: number;
  /** Human labels on those failures. */
  humans: HumanCounts;
  /** Of the labelled failures (accept or reject), the share humans rejected: the verifier was right. */
  confirmed: Interval;
}

export interface FailureBreakdown {
  totalFailures: number;
  totalFailingSteps: number;
  rule: FailureRow[];
  kind: FailureRow[];
  tool: FailureRow[];
  /** null when no question carries relation tags. */
  relationClass: FailureRow[] | null;
  /** Profiles in scope (for example queries). */
  profiles: number[];
}

const keysOf = (p: Profile, dimension: Exclude<Dimension, "rule">): string[] =>
  dimension === "kind" ? [p.kind] : dimension === "tool" ? [p.tool ?? NO_TOOL] : p.classes.length ? [...p.classes] : [UNTAGGED];

function inScope(p: Profile, filter: FailureFilter): boolean {
  if (filter.kind !== undefined && p.kind !== filter.kind) return false;
  if (filter.tool !== undefined && (p.tool ?? NO_TOOL) !== filter.tool) return false;
  if (filter.relationClass !== undefined && !keysOf(p, "relationClass").includes(filter.relationClass)) return false;
  return true;
}

export function breakDownFailures(profiles: readonly Profile[], labelled: readonly LabelledProfile[], rules: readonly string[], filter: FailureFilter = {}): FailureBreakdown {
  const humansByProfile = new Map<number, HumanCounts>();
  for (const l of labelled) {
    const h = humansByProfile.get(l.profile) ?? { reject: 0, accept: 0, neutral: 0, ties: 0 };
    const label = resolveVotes(l.votes);
    if (label === "tie") h.ties += l.count;
    else h[label] += l.count;
    humansByProfile.set(l.profile, h);
  }
  type Acc = { failures: number; steps: number; humans: HumanCounts };
  const empty = (): Acc => ({ failures: 0, steps: 0, humans: { reject: 0, accept: 0, neutral: 0, ties: 0 } });
  const tables: Record<Dimension, Map<string, Acc>> = { rule: new Map(), kind: new Map(), tool: new Map(), relationClass: new Map() };
  const add = (acc: Acc, failures: number, steps: number, humans: HumanCounts | undefined, multiplier: number) => {
    acc.failures += failures;
    acc.steps += steps;
    if (!humans) return;
    acc.humans.reject += humans.reject * multiplier;
    acc.humans.accept += humans.accept * multiplier;
    acc.humans.neutral += humans.neutral * multiplier;
    acc.humans.ties += humans.ties * multiplier;
  };
  let tagged = false;
  let totalFailures = 0;
  let totalFailingSteps = 0;
  const inScopeProfiles: number[] = [];
  for (const p of profiles) {
    if (p.classes.length > 0) tagged = true;
    if (p.failMask === 0 || !inScope(p, filter)) continue;
    const failing = rules.filter((_, i) => hasBit(p.failMask, 2 ** i) && (filter.rule === undefined || rules[i] === filter.rule));
    if (failing.length === 0) continue;
    inScopeProfiles.push(p.profile);
    const humans = humansByProfile.get(p.profile);
    totalFailures += failing.length * p.steps;
    totalFailingSteps += p.steps;
    for (const rule of failing) {
      const acc = tables.rule.get(rule) ?? empty();
      add(acc, p.steps, p.steps, humans, 1);
      tables.rule.set(rule, acc);
    }
    for (const dimension of ["kind", "tool", "relationClass"] as const) {
      for (const key of keysOf(p, dimension)) {
        const acc = tables[dimension].get(key) ?? empty();
        add(acc, failing.length * p.steps, p.steps, humans, 1);
        tables[dimension].set(key, acc);
      }
    }
  }
  const rows = (map: Map<string, Acc>): FailureRow[] =>
    [...map.entries()]
      .map(([key, a]) => ({ key, ...a, confirmed: wilson(a.humans.reject, a.humans.reject + a.humans.accept) }))
      .sort((a, b) => b.failures - a.failures || a.key.localeCompare(b.key));
  return {
    totalFailures,
    totalFailingSteps,
    rule: rows(tables.rule),
    kind: rows(tables.kind),
    tool: rows(tables.tool),
    relationClass: tagged ? rows(tables.relationClass) : null,
    profiles: inScopeProfiles,
  };
}
