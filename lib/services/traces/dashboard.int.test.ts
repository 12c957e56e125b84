import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemo } from "@/lib/services/system/seed";
import { datasetDashboards, RUNS_SHOWN, TOP_RULES } from "@/lib/services/traces/dashboard";
import { runCoverage } from "@/lib/services/verify/coverage";
import { runVerifier } from "@/lib/services/verify/verify";

beforeAll(async () => {
  await seedDemo({ force: true });
  await runVerifier({ dataset: "clevr-demo" });
  await db().dataset.create({ data: { name: "empty-dashboard" } });
});

describe("datasets dashboard (one grouped query per figure, all datasets)", () => {
  it("every card's figures agree with the run's own rows", async () => {
    const cards = await datasetDashboards();
    const clevr = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const card = cards.get(clevr.id)!;
    const runs = await db().verifierRun.findMany({ where: { datasetId: clevr.id, status: "done" }, orderBy: { id: "asc" } });
    expect(card.latestRun).toBe(runs[runs.length - 1].id);
    expect(card.runs.map((r) => r.run)).toEqual(runs.slice(-RUNS_SHOWN).map((r) => r.id));
    for (const r of card.runs) {
      const stored = runs.find((x) => x.id === r.run)!.metrics as { overall: { validRatio: number } };
      expect(r.validRatio).toBeCloseTo(stored.overall.validRatio, 9);
    }

    // histogram: every score counted once, in bins over the scores' own span
    const scores = await db().traceScore.findMany({ where: { runId: card.latestRun! }, select: { quality: true } });
    expect(card.histogram.reduce((s, b) => s + b.count, 0)).toBe(scores.length);
    const min = Math.min(...scores.map((s) => s.quality));
    const max = Math.max(...scores.map((s) => s.quality));
    expect(card.histogram[0].from).toBeLessThanOrEqual(min);
    expect(card.histogram[0].to).toBeGreaterThan(min);
    expect(card.histogram[card.histogram.length - 1].to).toBeGreaterThanOrEqual(max);
    expect(card.histogram.length).toBeLessThanOrEqual(20);
    for (const bin of card.histogram) {
      const inBin = scores.filter((s) => s.quality >= bin.from - 1e-9 && (s.quality < bin.to - 1e-9 || (bin === card.histogram[card.histogram.length - 1] && s.quality <= bin.to + 1e-9))).length;
      expect(bin.count).toBe(inBin);
    }

    // top failing rules: the most failing steps first
    const failing = await db().verdict.groupBy({ by: ["rule"], where: { runId: card.latestRun!, outcome: "fail" }, _count: { _all: true } });
    failing.sort((a, b) => b._count._all - a._count._all || a.rule.localeCompare(b.rule));
    expect(failing.length).toBeGreaterThan(0);
    expect(card.topRules.map((r) => r.steps)).toEqual(failing.slice(0, TOP_RULES).map((f) => f._count._all));
    expect(card.topRules.length).toBe(Math.min(TOP_RULES, failing.length));

    // coverage: the same definition as the metrics page
    const coverage = await runCoverage(card.latestRun!, clevr.id);
    expect(card.coverage).toEqual({ steps: coverage.checked + coverage.unchecked, checked: coverage.checked });

    // review progress
    const states = await db().trace.groupBy({ by: ["labelState"], where: { datasetId: clevr.id }, _count: { _all: true } });
    const of = (state: string) => states.find((s) => s.labelState === state)?._count._all ?? 0;
    expect(card.review).toMatchObject({ traces: await db().trace.count({ where: { datasetId: clevr.id } }), complete: of("complete"), partial: of("partial") });
  });

  it("an unverified dataset has no run figures; an empty one no card figures at all", async () => {
    const cards = await datasetDashboards();
    const visprog = await db().dataset.findUniqueOrThrow({ where: { name: "visprog-gqa" } });
    const visprogRuns = await db().verifierRun.count({ where: { datasetId: visprog.id, status: "done" } });
    if (visprogRuns === 0) expect(cards.get(visprog.id)?.latestRun ?? null).toBeNull();
    const empty = await db().dataset.findUniqueOrThrow({ where: { name: "empty-dashboard" } });
    expect(cards.get(empty.id)).toBeUndefined();
  });

  it("a new run shows up as one more point of the valid-ratio series", async () => {
    const clevr = await db().dataset.findUniqueOrThrow({ where: { name: "clevr-demo" } });
    const before = (await datasetDashboards()).get(clevr.id)!.runs.length;
    await runVerifier({ dataset: "clevr-demo" });
    const after = (await datasetDashboards()).get(clevr.id)!;
    expect(after.runs.length).toBe(Math.min(RUNS_SHOWN, before + 1));
    expect(after.latestRun).toBe(after.runs[after.runs.length - 1].run);
  });
});
