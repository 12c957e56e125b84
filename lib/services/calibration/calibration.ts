import { db, dialect } from "@/lib/db";
import { readProgram as read, sql, writeProgram as write } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { agreement, cellOf, ZERO_CONFUSION, type Confusion, type Thresholds } from "@/lib/calibration/agreement";
import { breakDownFailures, type LabelledProfile, type Profile } from "@/lib/calibration/failures";
import { wilson } from "@/lib/calibration/intervals";
import { binaryLabel, hasBit, outcomeOf, resolveVotes, rulesIn, type StepOutcome } from "@/lib/calibration/labels";
import { proposeRules, type PatternCount, type RuleSetting } from "@/lib/calibration/proposal";
import { recommendThreshold, type ScoreCount } from "@/lib/calibration/scores";
import { calibrateSteps, type StepGroup } from "@/lib/calibration/steps";
import { calibrateTraces } from "@/lib/calibration/traces";
import type {
  CalibrationQuery,
  CalibrationReport,
  FailuresQuery,
  FailuresReport,
  FitProposalDto,
  FitQuery,
  FitSaveBody,
  ReverifyBody,
  ReverifyResultDto,
  SavedConfigDto,
  FlipItem,
  FlipsQuery,
  FlipsReport,
  RuleChange,
  RunRef,
} from "@/lib/schemas/calibration";
import { CalibrationStore, stampOf, unpackVotes, type LabelFilter, type LabelGroups, type ProfileRow, type RunCache } from "@/lib/services/calibration/calibration-sql";
import { createVerifierConfig, settingsOf } from "@/lib/services/verify/verifier-configs";
import { CATALOGUE, orderRules, runProfiles } from "@/lib/services/calibration/run-profiles";
import { runVerifier } from "@/lib/services/verify/verify";
import type { VerifierSettings } from "@/lib/verifier/config";
import { RULE_IDS, RULES, type RuleId } from "@/lib/verifier/rules";
import { combineParts, stepsPart, type RuleTally } from "@/lib/verifier/score";

// Calibration: the verifier's verdicts against human labels (docs/design.md §6). SQL folds verdicts and
// labels into small grouped rows (lib/services/calibration/calibration-sql.ts); the statistics are pure
// functions over those rows (lib/calibration). Nothing here holds one object per verdict.


interface RunRow extends RunRef {
  rules: Record<string, RuleSetting>;
  threshold: number;
  settings: VerifierSettings;
}

async function datasetOf(name: string): Promise<{ id: number; name: string }> {
  const dataset = await db().dataset.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${name}" not found`);
  return dataset;
}

/** Finished runs of a dataset, newest first. */
async function runsOf(datasetId: number): Promise<RunRow[]> {
  const rows = await db().verifierRun.findMany({
    where: { datasetId, status: "done" },
    orderBy: { id: "desc" },
    select: { id: true, startedAt: true, finishedAt: true, traces: true, steps: true, config: { select: { version: true, rules: true, tolerances: true, scoring: true, threshold: true } } },
  });
  return rows.map((r) => {
    const settings = settingsOf(r.config);
    return {
      id: r.id,
      config: r.config.version,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      traces: r.traces,
      steps: r.steps,
      rules: settings.rules as Record<string, RuleSetting>,
      threshold: settings.threshold,
      settings,
    };
  });
}

function pickRun(runs: RunRow[], dataset: string, id: number | undefined): RunRow | null {
  if (id === undefined) return runs[0] ?? null;
  const run = runs.find((r) => r.id === id);
  if (!run) throw new AppError("not_found", `verifier run ${id} not found (or not finished) for dataset "${dataset}"`);
  return run;
}

const refOf = ({ id, config, startedAt, finishedAt, traces, steps }: RunRow): RunRef => ({ id, config, startedAt, finishedAt, traces, steps });

interface StoredParts {
  completeness?: number | null;
  final?: number | null;
  rules?: Partial<Record<RuleId, RuleTally>>;
}

/**
 * A trace's quality under other settings, from the run's stored score parts: the verifier's own
 * formula (lib/verifier/score.ts) over the per-rule tallies, completeness and final correctness.
 * A switched-off rule's tallies drop out, as its verdicts would.
 */
function rescore(parts: StoredParts | null, settings: VerifierSettings): number | null {
  if (!parts?.rules) return null;
  return combineParts(stepsPart(parts.rules, settings), parts.completeness ?? null, parts.final ?? null, settings);
}

function filterOf(query: { reviewer?: string; source: LabelFilter["source"] }): LabelFilter {
  return { reviewer: query.reviewer, source: query.source };
}

function thresholdsOf(query: { minN: number; minCell: number }): Thresholds {
  return { minN: query.minN, minCell: query.minCell };
}

const splitClasses = (classes: string | null): string[] => (classes ? classes.split(",") : []);

function profileMap(rows: ProfileRow[]): Map<number, ProfileRow> {
  return new Map(rows.map((p) => [p.profile, p]));
}

/** Re-expresses a mask over `from` as a mask over `to` (runs may have different rule lists). */
function remap(mask: number, from: readonly string[], to: readonly string[]): number {
  if (from === to) return mask;
  let out = 0;
  from.forEach((rule, i) => {
    if (hasBit(mask, 2 ** i)) out += 2 ** to.indexOf(rule);
  });
  return out;
}

/**
 * Bits (over `rules`) of the rules whose pass means the step's content was read
 * (RuleDefinition.covers; a rule outside the catalogue counts as covering).
 */
function coveringBits(rules: readonly string[]): number[] {
  const catalogue: Readonly<Record<string, { covers?: boolean } | undefined>> = RULES;
  return rules.flatMap((rule, i) => (catalogue[rule]?.covers === false ? [] : [2 ** i]));
}

/** Coverage as verify defines it (docs/design.md §5): a rule failed, or a covering rule passed. */
function isChecked(failMask: number, passMask: number, covering: readonly number[]): boolean {
  return failMask !== 0 || covering.some((bit) => hasBit(passMask, bit));
}

function stepGroupsOf(rows: Array<{ votes: number; profile: number | null; n: number }>, profiles: Map<number, ProfileRow>, from: readonly string[], to: readonly string[]): StepGroup[] {
  const covering = coveringBits(to);
  return rows.map((row) => {
    const p = row.profile === null ? undefined : profiles.get(row.profile);
    const failMask = p ? remap(p.failMask, from, to) : 0;
    const passMask = p ? remap(p.passMask, from, to) : 0;
    return {
      votes: unpackVotes(row.votes),
      failMask,
      passMask,
      checked: isChecked(failMask, passMask, covering),
      kind: p?.kind ?? "",
      tool: p?.tool ?? null,
      classes: splitClasses(p?.classes ?? null),
      count: row.n,
    };
  });
}

/** Users with a current label (step or trace) in the dataset, by id. */
async function reviewerIdsOf(datasetId: number): Promise<number[]> {
  const users = await db().user.findMany({ where: { reviews: { some: { trace: { datasetId }, current: true } } }, orderBy: { id: "asc" }, select: { id: true } });
  return users.map((u) => u.id);
}

/** Their names in name order (read each time: a user can be renamed without a label changing). */
async function namesOf(ids: readonly number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const users = await db().user.findMany({ where: { id: { in: [...ids] } }, orderBy: { name: "asc" }, select: { name: true } });
  return users.map((u) => u.name);
}

/** The key of a label filter in CalibrationGroups; null (not stored) for a reviewer with no account. */
async function filterKey(filter: LabelFilter): Promise<string | null> {
  if (filter.reviewer === undefined) return filter.source;
  const user = await db().user.findUnique({ where: { name: filter.reviewer }, select: { id: true } });
  return user ? `${filter.source}:${user.id}` : null;
}

/**
 * The dataset's labels folded against a run's profiles and scores (steps by votes and profile,
 * traces by votes, quality and validity) with its reviewers and tagged traces: read from
 * CalibrationGroups while their stamp is current (the run cache unchanged, no label written since —
 * docs/calibration.md "Labels folded per run and filter"); when only labels changed, brought forward
 * from the change log; else folded from the labels and stored. The stamp is read before the fold:
 * a label written during it leaves the stored rows stale (and not exact), never the stamp ahead.
 */
async function labelGroups(datasetId: number, cache: RunCache, filter: LabelFilter): Promise<LabelGroups & { stored: { key: string; stamp: string } | null }> {
  const store = new CalibrationStore(dialect());
  const key = await filterKey(filter);
  const now = key === null ? null : await read(store.groupsStamp(cache, datasetId));
  const where = key !== null && now !== null ? { key, stamp: stampOf(now.base, now.tick) } : null;
  if (where) {
    const stored = await read(store.storedGroups(cache.runId, where.key, where.stamp));
    if (stored) return { ...stored, stored: where };
    // a few labels changed since the stored fold: only their steps' and traces' groups fold again
    const forward = await write(() => store.bringForward(datasetId, cache, filter, where.key));
    if (forward) return { ...forward.groups, stored: { key: where.key, stamp: forward.stamp } };
  }
  // independent reads: on PostgreSQL each on its own pooled connection, at the same time
  const [steps, traces, reviewers, tagged] = await Promise.all([
    read(store.stepGroups(datasetId, cache, filter)),
    read(store.traceGroups(datasetId, cache.runId, filter)),
    reviewerIdsOf(datasetId),
    taggedTracesOf(datasetId),
  ]);
  const groups: LabelGroups = { steps, traces, reviewers, tagged };
  // exact at the stamp's tick only if no label changed while the reads ran (the change log can
  // bring it forward then); else stored as not exact: read while current, folded again after
  if (where && now) await write(function* () {
    const exact = (yield* store.lockClock(datasetId)).tick === now.tick;
    yield* store.saveGroups(cache.runId, datasetId, where.key, where.stamp, exact ? now.tick : -1, groups);
  });
  return { ...groups, stored: where };
}

export async function getCalibration(query: CalibrationQuery): Promise<CalibrationReport> {
  const dataset = await datasetOf(query.dataset);
  const runs = await runsOf(dataset.id);
  const run = pickRun(runs, dataset.name, query.run);
  const filter = filterOf(query);
  const thresholds = thresholdsOf(query);
  const options = { neutral: query.neutral, reviewer: query.reviewer ?? null, source: query.source, minN: query.minN, minCell: query.minCell, targetPrecision: query.targetPrecision };
  if (!run) {
    const steps = calibrateSteps([], [], { neutral: query.neutral, thresholds });
    return { dataset: dataset.name, run: null, runs: [], reviewers: await namesOf(await reviewerIdsOf(dataset.id)), options, ruleOrder: [], taggedTraces: await taggedTracesOf(dataset.id), ...steps, traces: calibrateTraces([], query.targetPrecision, thresholds) };
  }
  const cache = await runProfiles(run.id);
  const rules = cache.rules;
  const store = new CalibrationStore(dialect());
  const profiles = profileMap(await read(store.profiles(cache)));
  const folded = await labelGroups(dataset.id, cache, filter);
  const reviewers = await namesOf(folded.reviewers);
  const taggedTraces = folded.tagged;
  const groups = stepGroupsOf(folded.steps, profiles, rules, rules);
  const steps = calibrateSteps(groups, rules, { neutral: query.neutral, thresholds });
  const traceGroups = folded.traces.map((g) => ({ votes: unpackVotes(g.votes), quality: g.quality, valid: g.valid === 1, count: g.n }));
  return {
    dataset: dataset.name,
    run: refOf(run),
    runs: runs.map(refOf),
    reviewers,
    options,
    ruleOrder: rules,
    taggedTraces,
    ...steps,
    traces: calibrateTraces(traceGroups, query.targetPrecision, thresholds),
  };
}

/**
 * Traces of the dataset whose question carries a relation-class tag (the tags the queue, the trace
 * list and exports use): the empty states of the by-class breakdowns say how many there are.
 */
async function taggedTracesOf(datasetId: number): Promise<number> {
  const row = await (await sql()).get<{ n: number }>(`SELECT COUNT(*) AS n FROM "Trace" t WHERE t."datasetId" = ? AND t."questionId" IS NOT NULL AND EXISTS (SELECT 1 FROM "QuestionRelation" r WHERE r."questionId" = t."questionId")`, [datasetId]);
  return row?.n ?? 0;
}

function enabledMask(rules: readonly string[], settings: Readonly<Record<string, RuleSetting>>): number {
  return rules.reduce((mask, rule, i) => (settings[rule]?.enabled ? mask + 2 ** i : mask), 0);
}

/** Step confusion when only the rules in `keep` count (a disabled rule emits no verdict). */
function confusionWith(groups: readonly StepGroup[], keep: number, neutral: FitQuery["neutral"]): Confusion {
  const c: Confusion = { ...ZERO_CONFUSION };
  const and = (a: number, b: number) => Number(BigInt(a) & BigInt(b));
  for (const g of groups) {
    const label = binaryLabel(resolveVotes(g.votes), neutral);
    const outcome = outcomeOf(and(g.failMask, keep), and(g.passMask, keep));
    if (label === null || outcome === "skip") continue;
    c[cellOf(outcome, label)] += g.count;
  }
  return c;
}

export async function getFitProposal(query: FitQuery): Promise<FitProposalDto> {
  const dataset = await datasetOf(query.dataset);
  const runs = await runsOf(dataset.id);
  const run = pickRun(runs, dataset.name, query.run);
  if (!run) throw new AppError("not_found", `dataset "${dataset.name}" has no verifier run yet; run \`stepwise verify --dataset ${dataset.name}\` first`);
  const filter = filterOf(query);
  const cache = await runProfiles(run.id);
  const rules = cache.rules;
  const store = new CalibrationStore(dialect());
  const profiles = profileMap(await read(store.profiles(cache)));
  const folded = await labelGroups(dataset.id, cache, filter);
  const groups = stepGroupsOf(folded.steps, profiles, rules, rules);

  const stepPatterns = new Map<number, PatternCount>();
  for (const g of groups) {
    const label = binaryLabel(resolveVotes(g.votes), query.neutral);
    if (label === null || outcomeOf(g.failMask, g.passMask) === "skip") continue;
    const p = stepPatterns.get(g.failMask) ?? { failMask: g.failMask, rejects: 0, total: 0 };
    p.total += g.count;
    if (label === "reject") p.rejects += g.count;
    stepPatterns.set(g.failMask, p);
  }
  // the trace groups by score parts: stored with the label groups the first time the fit asks
  const where = folded.stored;
  let partRows = where ? await read(store.storedParts(run.id, where.key, where.stamp)) : null;
  if (partRows === null) {
    partRows = await read(store.traceParts(dataset.id, run.id, filter));
    const rows = partRows;
    if (where) await write(() => store.saveParts(run.id, where.key, where.stamp, rows));
  }
  // labelled traces, each row's votes resolved and its score parts parsed once
  const traceRows = partRows.map((row) => ({
    label: resolveVotes(unpackVotes(row.votes)),
    parts: row.parts ? (JSON.parse(row.parts) as StoredParts) : null,
    n: row.n,
  }));
  const tracePatterns = new Map<number, PatternCount>();
  for (const row of traceRows) {
    const label = row.label;
    if (label !== "accept" && label !== "reject") continue;
    const tallies: Partial<Record<string, RuleTally>> = row.parts?.rules ?? {};
    const failMask = rules.reduce((mask, rule, i) => ((tallies[rule]?.[1] ?? 0) > 0 ? mask + 2 ** i : mask), 0);
    const p = tracePatterns.get(failMask) ?? { failMask, rejects: 0, total: 0 };
    p.total += row.n;
    if (label === "reject") p.rejects += row.n;
    tracePatterns.set(failMask, p);
  }
  const target = query.target ?? (stepPatterns.size > 0 ? "steps" : "traces");
  const parentRules = Object.fromEntries(rules.map((rule) => [rule, run.rules[rule] ?? { enabled: false, weight: 0 }]));
  // patterns in one order (by mask): the regression's floating-point sums then do not depend on the
  // order the database grouped the rows in (nor on PostgreSQL's jsonb text of the score parts)
  const patterns = [...(target === "steps" ? stepPatterns : tracePatterns).values()].sort((x, y) => x.failMask - y.failMask);
  const proposal = proposeRules(patterns, rules, parentRules, query.l2);

  // quality under the proposal: the run's per-trace rule tallies rescored with the proposed rules
  const proposedSettings: VerifierSettings = { ...run.settings, rules: { ...run.settings.rules } };
  for (const rule of RULE_IDS) if (proposal.rules[rule]) proposedSettings.rules[rule] = proposal.rules[rule];
  const scores: ScoreCount[] = traceRows.flatMap((row) => {
    const label = row.label;
    const quality = rescore(row.parts, proposedSettings);
    if ((label !== "accept" && label !== "reject") || quality === null) return [];
    return [{ score: quality, good: label === "accept" ? row.n : 0, bad: label === "reject" ? row.n : 0 }];
  });
  const thresholds = thresholdsOf(query);
  const hasStepLabels = stepPatterns.size > 0;
  return {
    dataset: dataset.name,
    run: refOf(run),
    target,
    parent: { version: run.config, rules: parentRules, threshold: run.threshold },
    ruleOrder: rules,
    proposal,
    threshold: { current: run.threshold, targetPrecision: query.targetPrecision, proposed: recommendThreshold(scores.sort((x, y) => x.score - y.score || x.good - y.good || x.bad - y.bad), query.targetPrecision) },
    agreement: hasStepLabels
      ? {
          current: agreement(confusionWith(groups, 2 ** rules.length - 1, query.neutral), thresholds),
          proposed: agreement(confusionWith(groups, enabledMask(rules, proposal.rules), query.neutral), thresholds),
        }
      : null,
  };
}

function outcomeOfProfile(p: ProfileRow | undefined): StepOutcome {
  return p ? p.outcome : "skip";
}

export async function getFlips(query: FlipsQuery): Promise<FlipsReport> {
  const dataset = await datasetOf(query.dataset);
  const runs = await runsOf(dataset.id);
  if (runs.length < 2) throw new AppError("not_found", `dataset "${dataset.name}" has ${runs.length} finished verifier run(s); flips compare two`);
  const after = pickRun(runs, dataset.name, query.after)!;
  const before = query.before !== undefined ? pickRun(runs, dataset.name, query.before)! : (runs.find((r) => r.id < after.id) ?? runs.find((r) => r.id !== after.id)!);
  if (before.id === after.id) throw new AppError("invalid_input", "before and after are the same run");
  const filter = filterOf(query);
  const thresholds = thresholdsOf(query);
  const beforeCache = await runProfiles(before.id);
  const afterCache = await runProfiles(after.id);
  const beforeRules = beforeCache.rules;
  const afterRules = afterCache.rules;
  const ruleOrder = orderRules([...new Set([...beforeRules, ...afterRules])], CATALOGUE);
  const store = new CalibrationStore(dialect());
  const beforeProfiles = profileMap(await read(store.profiles(beforeCache)));
  const afterProfiles = profileMap(await read(store.profiles(afterCache)));
  const groups = await read(store.flipGroups(dataset.id, beforeCache, afterCache, filter));

  const beforeSteps = calibrateSteps(stepGroupsOf(groups.map((g) => ({ votes: g.votes, profile: g.before, n: g.n })), beforeProfiles, beforeRules, ruleOrder), ruleOrder, { neutral: query.neutral, thresholds });
  const afterSteps = calibrateSteps(stepGroupsOf(groups.map((g) => ({ votes: g.votes, profile: g.after, n: g.n })), afterProfiles, afterRules, ruleOrder), ruleOrder, { neutral: query.neutral, thresholds });

  const transitions = new Map<string, { from: StepOutcome; to: StepOutcome; n: number }>();
  let total = 0;
  let fixed = 0;
  let broken = 0;
  let unscored = 0;
  const effectOf = (human: ReturnType<typeof resolveVotes>, from: StepOutcome, to: StepOutcome): FlipItem["effect"] => {
    const label = binaryLabel(human, query.neutral);
    const agrees = (o: StepOutcome) => (o === "fail" && label === "reject") || (o === "pass" && label === "accept");
    if (to === "skip") return "unscored";
    if (label === null) return "changed";
    if (agrees(to) && !agrees(from)) return "fixed";
    if (agrees(from) && !agrees(to)) return "broken";
    return "changed";
  };
  for (const g of groups) {
    const from = outcomeOfProfile(g.before === null ? undefined : beforeProfiles.get(g.before));
    const to = outcomeOfProfile(g.after === null ? undefined : afterProfiles.get(g.after));
    if (from === to) continue;
    total += g.n;
    const key = `${from}>${to}`;
    const t = transitions.get(key) ?? { from, to, n: 0 };
    t.n += g.n;
    transitions.set(key, t);
    const effect = effectOf(resolveVotes(unpackVotes(g.votes)), from, to);
    if (effect === "fixed") fixed += g.n;
    if (effect === "broken") broken += g.n;
    if (effect === "unscored") unscored += g.n;
  }

  const rows = total > 0 ? await read(store.flips(dataset.id, beforeCache, afterCache, filter, query.limit, query.offset)) : [];
  const items: FlipItem[] = rows.map((row) => {
    const pb = row.before === null ? undefined : beforeProfiles.get(row.before);
    const pa = row.after === null ? undefined : afterProfiles.get(row.after);
    const human = resolveVotes(unpackVotes(row.votes));
    const from = outcomeOfProfile(pb);
    const to = outcomeOfProfile(pa);
    return {
      stepId: row.stepId,
      traceId: row.traceId,
      externalId: row.externalId,
      stepIndex: row.stepIndex,
      kind: pa?.kind ?? pb?.kind ?? "",
      tool: pa?.tool ?? pb?.tool ?? null,
      human,
      before: { outcome: from, failing: pb ? rulesIn(pb.failMask, beforeRules) : [] },
      after: { outcome: to, failing: pa ? rulesIn(pa.failMask, afterRules) : [] },
      effect: effectOf(human, from, to),
    };
  });

  const configChanges: RuleChange[] = ruleOrder
    .map((rule) => ({ rule, before: before.rules[rule] ?? null, after: after.rules[rule] ?? null }))
    .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after));

  return {
    dataset: dataset.name,
    before: refOf(before),
    after: refOf(after),
    runs: runs.map(refOf),
    configChanges,
    thresholds: { before: before.threshold, after: after.threshold },
    total,
    fixed,
    broken,
    unscored,
    transitions: [...transitions.values()].sort((a, b) => b.n - a.n),
    agreement: { before: beforeSteps.steps, after: afterSteps.steps },
    rules: { before: beforeSteps.rules, after: afterSteps.rules },
    ruleOrder,
    items,
    limit: query.limit,
    offset: query.offset,
  };
}

const TREND_RUNS = 20;

export async function getFailures(query: FailuresQuery): Promise<FailuresReport> {
  const dataset = await datasetOf(query.dataset);
  const runs = await runsOf(dataset.id);
  const run = pickRun(runs, dataset.name, query.run);
  const filter = { rule: query.rule ?? null, kind: query.kind ?? null, tool: query.tool ?? null, relationClass: query.relationClass ?? null };
  const taggedTraces = await taggedTracesOf(dataset.id);
  const empty: FailuresReport = {
    dataset: dataset.name, run: null, runs: [], ruleOrder: [], filter, taggedTraces, outcomes: [], totalFailures: 0, totalFailingSteps: 0,
    breakdowns: { rule: [], kind: [], tool: [], relationClass: null }, trend: [], examples: [], limit: query.limit, offset: query.offset,
  };
  if (!run) return empty;
  const cache = await runProfiles(run.id);
  const rules = cache.rules;
  const store = new CalibrationStore(dialect());
  const profileRows = await read(store.profiles(cache));
  const profiles: Profile[] = profileRows.map((p) => ({ ...p, classes: splitClasses(p.classes) }));
  const labelled: LabelledProfile[] = (await labelGroups(dataset.id, cache, filterOf(query))).steps
    .flatMap((g) => (g.profile === null ? [] : [{ votes: unpackVotes(g.votes), profile: g.profile, count: g.n }]));
  const breakdown = breakDownFailures(profiles, labelled, rules, { rule: query.rule, kind: query.kind, tool: query.tool, relationClass: query.relationClass });

  const counts = new Map<string, { pass: number; fail: number; skip: number }>(rules.map((r) => [r, { pass: 0, fail: 0, skip: 0 }]));
  for (const row of await read(store.ruleOutcomes(run.id, rules))) {
    const c = counts.get(row.rule);
    if (c && (row.outcome === "pass" || row.outcome === "fail" || row.outcome === "skip")) c[row.outcome] += row.n;
  }

  // the trend: the latest runs of the dataset, oldest first
  const trendRuns = runs.slice(0, TREND_RUNS).reverse();
  const trendRules = orderRules([...new Set([...rules, ...trendRuns.flatMap((r) => Object.keys(r.rules))])], CATALOGUE);
  const perRun = new Map<number, Record<string, number>>();
  for (const row of await read(store.failureTrend(trendRuns.map((r) => r.id), trendRules))) {
    const entry = perRun.get(row.runId) ?? {};
    entry[row.rule] = row.n;
    perRun.set(row.runId, entry);
  }

  const byProfile = new Map(profileRows.map((p) => [p.profile, p]));
  const exampleRules = query.rule !== undefined ? [query.rule] : rules;
  const examples = (await read(store.failureExamples(cache, exampleRules, breakdown.profiles, filterOf(query), query.limit, query.offset))).map((row) => {
    const p = byProfile.get(row.profile);
    return {
      traceId: row.traceId,
      externalId: row.externalId,
      stepIndex: row.stepIndex,
      kind: p?.kind ?? "",
      tool: p?.tool ?? null,
      rule: row.rule,
      message: row.message,
      human: row.votes === null ? null : resolveVotes(unpackVotes(row.votes)),
    };
  });

  return {
    ...empty,
    run: refOf(run),
    runs: runs.map(refOf),
    ruleOrder: rules,
    outcomes: rules.map((rule) => {
      const c = counts.get(rule)!;
      return { rule, ...c, failRate: wilson(c.fail, c.fail + c.pass) };
    }),
    totalFailures: breakdown.totalFailures,
    totalFailingSteps: breakdown.totalFailingSteps,
    breakdowns: { rule: breakdown.rule, kind: breakdown.kind, tool: breakdown.tool, relationClass: breakdown.relationClass },
    trend: trendRuns.map((r) => ({ run: r.id, config: r.config, startedAt: r.startedAt, steps: r.steps, failures: Object.fromEntries(trendRules.map((rule) => [rule, perRun.get(r.id)?.[rule] ?? 0])) })),
    examples,
  };
}


/** Saves a (fitted, possibly edited) rule set as a new verifier config version whose parent is the run's config. */
export async function saveFittedConfig(body: FitSaveBody): Promise<SavedConfigDto> {
  const dataset = await datasetOf(body.dataset);
  const run = pickRun(await runsOf(dataset.id), dataset.name, body.run)!;
  const unknown = Object.keys(body.rules).filter((rule) => !(RULE_IDS as readonly string[]).includes(rule));
  if (unknown.length) throw new AppError("invalid_input", `unknown rule(s) ${unknown.join(", ")}; rules are ${RULE_IDS.join(", ")}`, unknown.map((rule) => ({ path: `rules.${rule}`, error: "unknown rule" })));
  const config = await createVerifierConfig({
    parent: run.config,
    name: body.name ?? `fit of run ${run.id} (${dataset.name})`,
    rules: body.rules as Partial<Record<RuleId, RuleSetting>>,
    threshold: body.threshold,
    notes: body.notes,
  });
  return { version: config.version, parentVersion: config.parentVersion, name: config.name, rules: config.rules, threshold: config.threshold };
}

/** Runs the verifier on a dataset with a config version and prepares the new run for calibration. */
export async function reverify(body: ReverifyBody): Promise<ReverifyResultDto> {
  const summary = await runVerifier({ dataset: body.dataset, config: body.config, prepareCalibration: true });
  return { run: summary.run, config: summary.config, dataset: summary.dataset, steps: summary.steps, traces: summary.traces, seconds: summary.seconds };
}
