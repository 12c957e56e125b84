import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyTestDatabase } from "@/fixtures/harness/databases";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { importFiles } from "@/lib/services/import/imports";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
import { runVerifier } from "@/lib/services/verify/verify";

// Human step labels from other tools (the step-labels format) on a real database (SQLite or PostgreSQL): all-or-nothing
// with file:line:path errors, stored as external labels with their provenance, seen by calibration
// and exports, and a round trip with `stepwise labels export` into a fresh copy of the database.

const work = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "step-labels");
fs.mkdirSync(work, { recursive: true });
function file(name: string, lines: Array<Record<string, unknown> | string>, options: { bom?: boolean; crlf?: boolean } = {}): string {
  const eol = options.crlf ? "\r\n" : "\n";
  const text = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join(eol) + eol;
  const p = path.join(work, name);
  fs.writeFileSync(p, options.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) : text);
  return p;
}

function cli(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}

let traceA = { externalId: "", id: 0, steps: 0 };
let traceB = { externalId: "", id: 0, steps: 0 };
let seededCopy = "";

beforeAll(async () => {
  await seedDemo({ force: true });
  const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "asc" }, take: 2, select: { id: true, externalId: true, stepCount: true } });
  [traceA, traceB] = traces.map((t) => ({ externalId: t.externalId, id: t.id, steps: t.stepCount }));
  // a fresh copy of the seeded database, before any label, for the round trip
  seededCopy = await copyTestDatabase("seeded");
});

const externalLabels = () => db().review.findMany({ where: { source: "external:step-labels" }, orderBy: { id: "asc" }, include: { user: true, step: true } });

describe("step-labels import", () => {
  it("refuses a file with bad lines whole, naming file, line and field for each", async () => {
    const bad = file("bad.jsonl", [
      { trace: traceA.externalId, step: 0, label: "accept", reviewer: "ann" },
      { trace: "no-such-trace", step: 0, label: "accept", reviewer: "ann" },
      { trace: traceA.externalId, step: traceA.steps, label: "reject", reviewer: "ann" },
      { trace: traceA.externalId, step: 1, label: "wrong", reviewer: "ann" },
      { trace: traceA.externalId, step: 1, label: "reject", reviewer: "ann", time: "2026-13-01T00:00:00Z" },
    ]);
    const error = await importFiles({ files: [bad], dataset: "clevr-demo", source: "cli" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const details = (error as AppError).details;
    expect(details).toEqual([
      { file: bad, line: 2, path: "$.trace", error: 'unknown trace "no-such-trace" in dataset "clevr-demo"' },
      { file: bad, line: 3, path: "$.step", error: expect.stringContaining(`step ${traceA.steps} is out of range`) },
      { file: bad, line: 4, path: "$.label", error: 'expected accept, neutral or reject, found "wrong"' },
      { file: bad, line: 5, path: "$.time", error: expect.stringContaining("ISO 8601") },
    ]);
    expect((error as AppError).message).toContain(`${bad}:2 $.trace`);
    expect(await externalLabels()).toHaveLength(0);
  });

  it("stores labels as external human labels with their provenance, tolerant of BOM, CRLF, blank lines and loose types", async () => {
    const good = file(
      "good.jsonl",
      [
        { trace: traceA.externalId, step: "0", label: " Accept ", reviewer: "Ann Lee", time: "2026-11-30T10:00:00Z", tool: "label-studio" },
        "",
        { trace: traceA.externalId, step: 1, label: "REJECT", reviewer: "Ann Lee", comment: "wrong object", time: "2026-11-30T10:01:00Z" },
        { trace: traceB.externalId, step: 0, label: "neutral", reviewer: "bo" },
      ],
      { bom: true, crlf: true },
    );
    const summary = await importFiles({ files: [good], dataset: "clevr-demo", source: "cli" });
    expect(summary.files).toEqual([{ file: good, format: "step-labels", bytes: fs.statSync(good).size }]);
    expect(summary.created.labels).toBe(3);
    expect(summary.created.traces).toBe(0);
    expect(summary.warnings.join("\n")).toContain('"tool" (1 line)');
    const rows = await externalLabels();
    expect(rows.map((r) => [r.step?.index, r.label, r.user.name, r.user.role, r.current])).toEqual([
      [0, "accept", "step-labels:Ann Lee", "external", true],
      [1, "reject", "step-labels:Ann Lee", "external", true],
      [0, "neutral", "step-labels:bo", "external", true],
    ]);
    expect(rows[1].comment).toBe("wrong object");
    expect(rows[1].createdAt.toISOString()).toBe("2026-11-30T10:01:00.000Z");
    expect(rows[1].provenance).toEqual({ format: "step-labels", file: good, line: 3, reviewer: "Ann Lee", time: "2026-11-30T10:01:00.000Z" });
    // imported labels are not the reviewer's own work: the review state stays unlabelled
    expect((await db().trace.findUniqueOrThrow({ where: { id: traceA.id } })).labelState).toBe("unlabeled");

    // the same file again changes nothing
    const again = await importFiles({ files: [good], dataset: "clevr-demo", source: "cli" });
    expect(again.created.labels ?? 0).toBe(0);
    expect(again.duplicates).toBe(3);

    // a newer label of the same reviewer on the same step becomes current; an older one is history
    const later = file("later.jsonl", [
      { trace: traceA.externalId, step: 1, label: "accept", reviewer: "Ann Lee", time: "2026-12-01T09:00:00Z" },
      { trace: traceA.externalId, step: 0, label: "reject", reviewer: "Ann Lee", time: "2026-01-01T09:00:00Z" },
    ]);
    await importFiles({ files: [later], dataset: "clevr-demo", source: "cli" });
    const current = (await externalLabels()).filter((r) => r.current && r.user.name === "step-labels:Ann Lee").map((r) => [r.step?.index, r.label]);
    expect(current.sort()).toEqual([
      [0, "accept"],
      [1, "accept"],
    ]);
  });

  it("a label for a trace of another dataset or a dataset that does not exist is an error", async () => {
    const p = file("other.jsonl", [{ trace: traceA.externalId, step: 0, label: "accept", reviewer: "ann" }]);
    const error = await importFiles({ files: [p], dataset: "no-such-dataset", source: "cli" }).catch((e: unknown) => e);
    expect((error as AppError).details[0]).toMatchObject({ file: p, line: 1, path: "$.trace", error: expect.stringContaining('dataset "no-such-dataset" does not exist') });
    expect(await db().dataset.findUnique({ where: { name: "no-such-dataset" } })).toBeNull();
    const named = file("named.jsonl", [{ trace: traceA.externalId, step: 0, label: "accept", reviewer: "ann", dataset: "elsewhere" }]);
    const refused = await importFiles({ files: [named], dataset: "clevr-demo", source: "cli" }).catch((e: unknown) => e);
    expect((refused as AppError).details[0]).toMatchObject({ line: 1, path: "$.dataset" });
  });

  it("calibration and exports use them like other imported human labels", async () => {
    await runVerifier({ dataset: "clevr-demo" });
    const report = await getCalibration(calibrationQuery.parse({ dataset: "clevr-demo", source: "external" }));
    const currentSteps = new Set((await externalLabels()).filter((r) => r.current).map((r) => r.stepId)).size;
    expect(report.labels.labelled).toBe(currentSteps);
    // one imported reviewer: by the name in the file (what `stepwise calibrate --reviewer` is given) or by the user's own name
    const annSteps = new Set((await externalLabels()).filter((r) => r.current && r.user.name === "step-labels:Ann Lee").map((r) => r.stepId)).size;
    expect(annSteps).toBeGreaterThan(0);
    for (const reviewer of ["Ann Lee", "step-labels:Ann Lee"]) {
      const one = await getCalibration(calibrationQuery.parse({ dataset: "clevr-demo", source: "external", reviewer }));
      expect(one.labels.labelled, reviewer).toBe(annSteps);
    }
    expect((await getCalibration(calibrationQuery.parse({ dataset: "clevr-demo", source: "external", reviewer: "Nobody" }))).labels.labelled).toBe(0);
    const byCli = cli({}, "calibrate", "--dataset", "clevr-demo", "--source", "external", "--reviewer", "Ann Lee", "--json");
    expect(byCli.status, byCli.stderr).toBe(0);
    expect(JSON.parse(byCli.stdout).labels.labelled).toBe(annSteps);

    const out = path.join(work, "export-prm");
    const run = cli({}, "export", "--dataset", "clevr-demo", "--format", "trl-prm", "--no-dedupe", "--out", out, "--json");
    expect(run.status, run.stderr).toBe(0);
    const rows = fs
      .readdirSync(out, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".jsonl"))
      .flatMap((f) => fs.readFileSync(path.join(out, f), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
    const rowA = rows.find((r) => r.meta?.trace_id === traceA.externalId || r.meta?.id === traceA.externalId || JSON.stringify(r.meta ?? {}).includes(`"${traceA.externalId}"`));
    expect(rowA, "the labelled trace is exported").toBeTruthy();
    expect(JSON.stringify(rowA.meta)).toContain("external:step-labels");
  }, 240_000);
});

describe("round trip with stepwise labels export", () => {
  it("export → import into a fresh copy of the database → export gives the same lines", async () => {
    const steps = await db().step.findMany({ where: { traceId: traceB.id }, orderBy: { index: "asc" } });
    await recordStepLabel(steps[1].id, { label: "reject", expectedVersion: steps[1].version, comment: "count is off — 6, not 5", stopAtFirstError: false });
    await recordStepLabel(steps[2].id, { label: "accept", expectedVersion: steps[2].version, stopAtFirstError: false });

    const first = cli({}, "labels", "export", "--dataset", "clevr-demo");
    expect(first.status, first.stderr).toBe(0);
    const exported = path.join(work, "exported.jsonl");
    fs.writeFileSync(exported, first.stdout);
    const lines = first.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.some((l) => l.reviewer === "Ann Lee")).toBe(true);
    expect(lines.some((l) => l.reviewer === "local")).toBe(true);

    const env = { DATABASE_URL: seededCopy };
    const imported = cli(env, "import", exported, "--dataset", "clevr-demo", "--json");
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).created.labels).toBe(lines.length);
    const second = cli(env, "labels", "export", "--dataset", "clevr-demo");
    expect(second.status, second.stderr).toBe(0);
    const sort = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l)).map((l) => JSON.stringify(l, Object.keys(l).sort())).sort();
    expect(sort(second.stdout)).toEqual(sort(first.stdout));
    // three CLI processes in a row: minutes on a loaded two-core machine
  }, 300_000);
});
