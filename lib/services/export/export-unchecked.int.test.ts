import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "@/lib/db/sql";
import { listFiles } from "@/lib/formats/export/archive";
import { ROW_SCHEMAS } from "@/lib/formats/export/registry";
import type { ExportConfigInput } from "@/lib/schemas/exports";
import { runExport } from "@/lib/services/export/exports";
import { seedDemo } from "@/lib/services/system/seed";
import { addReview } from "@/fixtures/export/labels";

// Unchecked steps in exports (docs/design.md §5 Coverage, §7): the demo seed verified by the real
// verifier has plan steps no rule checks; --unchecked-steps decides what they become. Every
// exported file is read back from disk.

const OUT = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "out-unchecked");
let counter = 0;

interface PrmRow {
  prompt: unknown;
  completions: string[];
  labels: boolean[];
  meta: { trace_id: string; step_label_sources: Array<string | null>; step_kinds?: string[] };
}

function rowsOf(dir: string): PrmRow[] {
  return listFiles(dir)
    .filter((f) => f.startsWith("data/"))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as PrmRow));
}

async function exportPrm(extra: Partial<ExportConfigInput>) {
  const config: ExportConfigInput = { datasets: ["clevr-demo"], format: "trl-prm", images: "none", ...extra };
  const result = await runExport({ config, out: path.join(OUT, `prm-${++counter}`) });
  return { result, rows: rowsOf(result.out), card: fs.readFileSync(path.join(result.out, "README.md"), "utf8") };
}

/** Steps of clevr-demo traces the stored verdicts leave without a pass or fail (no human reviews in the seed). */
let uncheckedSteps = 0;
let tracesWithUnchecked = 0;
let traces = 0;
let firstUnchecked: { traceId: number; steps: number[] } | null = null;

beforeAll(async () => {
  await seedDemo();
  const rows = await (await sql()).all<{ traceId: number; unchecked: number }>(
        `SELECT s."traceId" AS traceId, SUM(CASE WHEN v.decided IS NULL THEN 1 ELSE 0 END) AS unchecked
         FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" JOIN "Dataset" d ON d."id" = t."datasetId"
         LEFT JOIN (SELECT "stepId", 1 AS decided FROM "Verdict" WHERE "outcome" IN ('pass', 'fail')
                    AND "runId" = (SELECT MAX(r."id") FROM "VerifierRun" r JOIN "Dataset" rd ON rd."id" = r."datasetId" WHERE rd."name" = 'clevr-demo' AND r."status" = 'done')
                    GROUP BY "stepId") v ON v."stepId" = s."id"
         WHERE d."name" = 'clevr-demo' GROUP BY s."traceId"`,
  );
  traces = rows.length;
  for (const r of rows) {
    uncheckedSteps += Number(r.unchecked);
    if (Number(r.unchecked) > 0) tracesWithUnchecked++;
  }
  const first = rows.find((r) => Number(r.unchecked) > 0);
  if (first) {
    const steps = await (await sql()).all<{ index: number }>(
          `SELECT s."index" FROM "Step" s WHERE s."traceId" = ? AND NOT EXISTS (SELECT 1 FROM "Verdict" v WHERE v."stepId" = s."id" AND v."outcome" IN ('pass', 'fail')) ORDER BY s."index"`,
          [first.traceId],
    );
    firstUnchecked = { traceId: first.traceId, steps: steps.map((r) => r.index) };
  }
});

describe("export --unchecked-steps over the verified demo", () => {
  it("the seed leaves steps unchecked (plan steps have no rule): the case the option exists for", () => {
    expect(traces).toBeGreaterThan(0);
    expect(uncheckedSteps).toBeGreaterThan(0);
    expect(tracesWithUnchecked).toBeGreaterThan(0);
  });

  it("positive (the default): TRL PRM rows, unchecked steps labelled true with provenance verifier:unchecked in meta and card", async () => {
    const { result, rows, card } = await exportPrm({});
    expect(result.rows).toBeGreaterThan(0);
    expect(result.skipped.unlabeled ?? 0).toBe(0);
    expect(rows.length).toBe(result.rows);
    for (const row of rows) ROW_SCHEMAS["trl-prm"].parse(row);
    let unchecked = 0;
    for (const row of rows) {
      expect(row.meta.step_label_sources).toHaveLength(row.labels.length);
      row.meta.step_label_sources.forEach((source, i) => {
        expect(source).not.toBeNull();
        if (source === "verifier:unchecked") {
          unchecked++;
          expect(row.labels[i]).toBe(true);
        }
      });
    }
    expect(unchecked).toBeGreaterThan(0);
    expect(card).toContain("verifier:unchecked");
    expect(card).toMatch(/unchecked steps .*counted as correct/);
  });

  it("negative: the same steps labelled false", async () => {
    const positive = await exportPrm({});
    const { rows } = await exportPrm({ uncheckedSteps: "negative" });
    expect(rows.length).toBe(positive.rows.length);
    let seen = 0;
    for (const row of rows) {
      row.meta.step_label_sources.forEach((source, i) => {
        if (source === "verifier:unchecked") {
          seen++;
          expect(row.labels[i]).toBe(false);
        }
      });
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("drop: the unchecked steps leave the rows, checked steps keep their verifier labels", async () => {
    const positive = await exportPrm({});
    const { rows, card } = await exportPrm({ uncheckedSteps: "drop" });
    expect(rows.length).toBeGreaterThan(0);
    const completions = (rs: PrmRow[]) => rs.reduce((n, r) => n + r.completions.length, 0);
    const dropped = positive.rows.reduce((n, r) => n + r.meta.step_label_sources.filter((s) => s === "verifier:unchecked").length, 0);
    expect(completions(rows)).toBeLessThanOrEqual(completions(positive.rows) - dropped);
    for (const row of rows) expect(row.meta.step_label_sources.every((s) => s === "verifier")).toBe(true);
    expect(card).toContain("dropped from the rows");
  });

  it("human-only labels: the verifier's policy does not apply, the traces stay unlabeled", async () => {
    await expect(exportPrm({ labels: "human-only" })).rejects.toThrow(`all ${traces} traces were left out (unlabeled ${traces})`);
  });

  it("an unknown mode is refused naming the field", async () => {
    await expect(exportPrm({ uncheckedSteps: "maybe" as never })).rejects.toThrow(/uncheckedSteps/);
  });

  // last: it adds reviews
  it("skip-trace: every trace with an unchecked step is left out (here all: an error naming why); a trace whose unchecked steps a person labelled is kept", async () => {
    expect(tracesWithUnchecked).toBe(traces);
    await expect(exportPrm({ uncheckedSteps: "skip-trace" })).rejects.toThrow(`all ${traces} traces were left out (unchecked_steps ${traces})`);
    const trace = firstUnchecked!;
    for (const index of trace.steps) await addReview({ traceId: trace.traceId, stepIndex: index, label: "accept" });
    const { result, rows, card } = await exportPrm({ uncheckedSteps: "skip-trace", dedupe: false });
    expect(result.skipped.unchecked_steps).toBe(traces - 1);
    expect(rows).toHaveLength(1);
    expect(rows[0].meta.step_label_sources).toContain("human");
    expect(rows[0].meta.step_label_sources).not.toContain("verifier:unchecked");
    expect(card).toContain("a step the verifier could not check");
  });
});
