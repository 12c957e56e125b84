import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, dialect, disconnect } from "@/lib/db";
import { readProgram } from "@/lib/db/sql";
import { calibrationQuery, failuresQuery, fitQuery, flipsQuery, type CalibrationQueryInput } from "@/lib/schemas/calibration";
import { CalibrationStore } from "@/lib/services/calibration/calibration-sql";
import { getCalibration, getFailures, getFitProposal, getFlips } from "@/lib/services/calibration/calibration";
import { createTestDataset, insertTestRun, type TestStep, type TestVerdict } from "@/lib/services/calibration/calibration-test-data";
import { fitEffect } from "@/lib/services/calibration/fit-effect";
import { runProfiles } from "@/lib/services/calibration/run-profiles";
import { recordStepLabel, recordTraceDecision } from "@/lib/services/review/reviews";
import { createRng } from "@/lib/teacher/scripted/rng";
import { deployMigrations } from "@/scripts/migrate-core.mjs";

// The same numbers on both dialects (issue #17): one fixture, built the same way on PostgreSQL (this
// pass's database) and on a SQLite file made here, and every calibration answer — agreement per
// rule with its intervals, breakdowns (relation classes whose byte order differs from a
// linguistic one), the trace sweep, fit proposals, the failure explorer, flips between two runs,
// the fit effect, and the stored step profiles themselves — compared for exact equality. The
// profiles are built in small batches (7 verdicts) so the numbering across batches is compared too.

type Kind = TestStep["kind"];
const SHAPE: Array<{ kind: Kind; tool?: string; call?: boolean }> = [
  { kind: "plan" },
  { kind: "tool_call", call: true },
  { kind: "tool_result" },
  { kind: "reasoning" },
  { kind: "tool_call", call: true },
  { kind: "tool_result" },
  { kind: "answer" },
];
const RULES_BY_KIND: Partial<Record<Kind, string[]>> = {
  tool_call: ["args.schema", "args.refs", "cross.pairing"],
  tool_result: ["result.reexec", "cross.pairing"],
  reasoning: ["reasoning.claims"],
  answer: ["cross.answer", "final.correct"],
};
const RULES = Object.fromEntries(["args.schema", "args.refs", "result.reexec", "reasoning.claims", "cross.pairing", "cross.answer", "final.correct"].map((r, i) => [r, { enabled: true, weight: 1 + (i % 3) }]));
// byte order ('Z' < 'a' < 'ä') differs from most locales' order: the classes string must not
const CLASSES = ["projective", "metric", "Zonal", "ämbient", "size", "Metric"];
const TOOLS = ["detect", "relate", "filter", "count", "Crop"];


interface Built {
  run1: number;
  run2: number;
}

async function buildFixture(): Promise<Built> {
  const draw = createRng(17);
  const traces = Array.from({ length: 36 }, (_, i) => ({
    externalId: `D${String(i).padStart(3, "0")}`,
    classes: CLASSES.filter(() => draw() < 0.35),
    steps: SHAPE.map((s, j) => ({ kind: s.kind, ...(s.call ? { tool: TOOLS[Math.floor(draw() * TOOLS.length)], callId: `c${j}` } : {}), ...(s.kind === "tool_result" ? { callId: `c${j - 1}` } : {}) })),
  }));
  const data = await createTestDataset("calib-dialects", traces);
  const verdicts: TestVerdict[] = [];
  const scores: Array<{ traceId: number; quality: number; valid: boolean; parts: unknown }> = [];
  for (const trace of data.traces) {
    const tallies: Record<string, [number, number, number]> = {};
    for (const [j, step] of trace.steps.entries()) {
      for (const rule of RULES_BY_KIND[SHAPE[j].kind] ?? []) {
        const x = draw();
        const outcome = x < 0.22 ? "fail" : x < 0.3 ? "skip" : "pass";
        verdicts.push({ stepId: step.id, rule, outcome, message: outcome === "fail" ? `${rule} failed on step ${j}` : undefined });
        const t = (tallies[rule] ??= [0, 0, 0]);
        t[outcome === "pass" ? 0 : outcome === "fail" ? 1 : 2]++;
      }
    }
    const fails = Object.values(tallies).reduce((n, t) => n + t[1], 0);
    scores.push({ traceId: trace.id, quality: Math.round((1 - fails / 12) * 1000) / 1000, valid: fails === 0, parts: { completeness: 1, final: draw() < 0.7 ? 1 : 0, rules: tallies } });
  }
  const { runId: run1 } = await insertTestRun({ datasetId: data.id, rules: RULES, verdicts, scores });
  // run 2: reasoning.claims off, and some outcomes of cross.pairing changed
  const run2Verdicts = verdicts.filter((v) => v.rule !== "reasoning.claims").map((v, i) => (v.rule === "cross.pairing" && i % 4 === 0 ? { ...v, outcome: v.outcome === "fail" ? ("pass" as const) : ("fail" as const) } : v));
  const { runId: run2 } = await insertTestRun({ datasetId: data.id, rules: { ...RULES, "reasoning.claims": { enabled: false, weight: 1 } }, threshold: 0.55, verdicts: run2Verdicts, scores });

  // labels: two reviewers on most steps (ties, neutral, stop-at-first-error markers), decisions on most traces
  for (const trace of data.traces) {
    for (const step of trace.steps) {
      const x = draw();
      if (x < 0.1) continue;
      const label = x < 0.2 ? "neutral" : x < 0.5 ? "reject" : "accept";
      const version = async () => (await db().step.findUniqueOrThrow({ where: { id: step.id }, select: { version: true } })).version;
      await recordStepLabel(step.id, { label, expectedVersion: await version(), stopAtFirstError: draw() < 0.05 });
      if (draw() < 0.4) await recordStepLabel(step.id, { label: draw() < 0.5 ? "reject" : "accept", expectedVersion: await version(), stopAtFirstError: false, user: "bob" });
    }
    if (draw() < 0.85) {
      const { version } = await db().trace.findUniqueOrThrow({ where: { id: trace.id }, select: { version: true } });
      await recordTraceDecision(trace.id, { decision: draw() < 0.6 ? "accept" : "reject", expectedVersion: version });
    }
  }
  return { run1, run2 };
}

/** Every calibration answer over the fixture, with what differs by nature (wall-clock times) left out. */
async function answers({ run1, run2 }: Built) {
  const dataset = "calib-dialects";
  const calibration = async (input: Partial<CalibrationQueryInput>) => getCalibration(calibrationQuery.parse({ dataset, run: run1, minN: 5, minCell: 1, ...input }));
  const store = new CalibrationStore(dialect());
  const out = {
    dialect: dialect(),
    reports: {
      exclude: await calibration({}),
      accept: await calibration({ neutral: "accept" }),
      reject: await calibration({ neutral: "reject", targetPrecision: 0.7 }),
      human: await calibration({ source: "human" }),
      bob: await calibration({ reviewer: "bob" }),
      run2: await calibration({ run: run2 }),
    },
    fit: await getFitProposal(fitQuery.parse({ dataset, run: run1 })),
    fitTraces: await getFitProposal(fitQuery.parse({ dataset, run: run1, target: "traces" })),
    failures: await getFailures(failuresQuery.parse({ dataset, run: run1, limit: 500 })),
    failuresDrill: await getFailures(failuresQuery.parse({ dataset, run: run1, rule: "cross.pairing", kind: "tool_result", limit: 500 })),
    flips: await getFlips(flipsQuery.parse({ dataset, before: run1, after: run2, limit: 500 })),
    effect: await fitEffect({ dataset, run: run1, rules: { "cross.pairing": { enabled: false, weight: 1 } }, threshold: 0.6 }),
    profiles: {
      run1: await readProgram(store.profiles(await runProfiles(run1))),
      run2: await readProgram(store.profiles(await runProfiles(run2))),
    },
  };
  return JSON.parse(JSON.stringify(out, (key, value) => (key === "startedAt" || key === "finishedAt" ? undefined : value))) as typeof out;
}

let postgres: Awaited<ReturnType<typeof answers>>;
let sqlite: Awaited<ReturnType<typeof answers>>;
const pgUrl = process.env.DATABASE_URL!;

beforeAll(async () => {
  process.env.STEPWISE_CALIBRATION_BATCH = "7";
  expect(dialect()).toBe("postgres");
  postgres = await answers(await buildFixture());

  const file = path.resolve(process.env.STEPWISE_DATA_DIR!, "..", "dialects-sqlite.db");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await deployMigrations(`file:${file}`);
  await disconnect();
  process.env.DATABASE_URL = `file:${file}`;
  expect(dialect()).toBe("sqlite");
  sqlite = await answers(await buildFixture());
  await disconnect();
  process.env.DATABASE_URL = pgUrl;
});

afterAll(() => {
  delete process.env.STEPWISE_CALIBRATION_BATCH;
});

describe("calibration on SQLite and PostgreSQL", () => {
  it("the fixture is not trivial", () => {
    const r = postgres.reports.exclude;
    expect(r.labels.labelled).toBeGreaterThan(150);
    expect(r.steps.tp * r.steps.fp * r.steps.fn * r.steps.tn).toBeGreaterThan(0);
    expect(r.labels.ties).toBeGreaterThan(0);
    expect(r.breakdowns.relationClass!.length).toBeGreaterThan(3);
    expect(postgres.flips.total).toBeGreaterThan(0);
    expect(postgres.failures.examples.length).toBeGreaterThan(10);
    expect(postgres.profiles.run1.length).toBeGreaterThan(20);
    expect(postgres.dialect).toBe("postgres");
    expect(sqlite.dialect).toBe("sqlite");
  });

  it("relation classes are joined in byte order on both", () => {
    const classes = postgres.profiles.run1.map((p) => p.classes).filter((c): c is string => c !== null && c.includes(","));
    expect(classes.length).toBeGreaterThan(0);
    for (const c of classes) expect(c.split(",")).toEqual([...c.split(",")].sort());
  });

  it("gives the same reports, fit, failures, flips, fit effect and step profiles", () => {
    const onPostgres = { ...postgres, dialect: null };
    const onSqlite = { ...sqlite, dialect: null };
    expect(onPostgres.reports).toEqual(onSqlite.reports);
    expect(onPostgres.fit).toEqual(onSqlite.fit);
    expect(onPostgres.fitTraces).toEqual(onSqlite.fitTraces);
    expect(onPostgres.failures).toEqual(onSqlite.failures);
    expect(onPostgres.failuresDrill).toEqual(onSqlite.failuresDrill);
    expect(onPostgres.flips).toEqual(onSqlite.flips);
    expect(onPostgres.effect).toEqual(onSqlite.effect);
    expect(onPostgres.profiles).toEqual(onSqlite.profiles);
    // and byte for byte
    expect(JSON.stringify(onPostgres)).toBe(JSON.stringify(onSqlite));
  });
});
