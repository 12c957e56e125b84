import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parquetReadObjects } from "hyparquet";
import { readParquet } from "parquet-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, writeProgram } from "@/lib/db/sql";
import { listFiles } from "@/lib/formats/export/archive";
import { exportFormat } from "@/lib/formats/export/registry";
import { runExport } from "@/lib/services/export/exports";
import { importFiles } from "@/lib/services/import/imports";
import { generateProgram } from "@/fixtures/export/generate";
import { addReview, recordVerifierRun } from "@/fixtures/export/labels";

// The two formats added through the ExportFormatDefinition contract (VisualProcessBench step
// correctness, MM-PRM / InternVL conversations), end to end against a real SQLite file: the
// service, the CLI's --format, Parquet twins, the card, and the traces left out for missing labels.

const OUT = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "out");
let counter = 0;
const outDir = (name: string) => path.join(OUT, `${name}-${++counter}`);

function dataRows(dir: string): Array<Record<string, unknown>> {
  return listFiles(dir).filter((f) => f.startsWith("data/") && f.endsWith(".jsonl")).flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)));
}

function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  await importFiles({ files: [path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl")], dataset: "canonical-781", imagesDir: path.resolve("prisma/demo/clevr") });
  await recordVerifierRun("canonical-781", 1, ({ index }) => ({ failing: index === 0 ? [2] : [], quality: 0.8, valid: index !== 0 }));
  await writeProgram(() => generateProgram({ dataset: "pairs", traces: 40, tracesPerImage: 2, sameQuestionPerImage: true }));
  // every third trace has a step the verifier skipped: no label under verifier-only
  await recordVerifierRun("pairs", 1, ({ index }) => (index % 2 === 0 ? { failing: [], quality: 0.95, valid: true, skipped: index % 3 === 0 ? [7] : [] } : { failing: [4], quality: 0.35, valid: false }));
  const ids = (await (await sql()).all<{ id: number }>(`SELECT t."id" FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = 'pairs' ORDER BY t."id"`)).map((r) => r.id);
  await addReview({ traceId: ids[1], stepIndex: 3, label: "neutral" });
});

describe.each(["visualprocessbench", "mm-prm"] as const)("%s", (format) => {
  const definition = exportFormat(format);

  it("every row matches the layout schema, with copied images and label provenance", async () => {
    const result = await runExport({ config: { datasets: ["canonical-781", "pairs"], format, images: "reference", dedupe: false, uncheckedSteps: "skip-trace" }, out: outDir(format) });
    const rows = dataRows(result.out);
    expect(rows.length).toBe(result.rows);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) definition.rowSchema.parse(row);
    // pairs' step 7 skipped by the verifier is unchecked: under skip-trace those traces are left out, not written with a gap
    expect(result.skipped.unchecked_steps).toBe(7);
    expect(result.skipped.unlabeled ?? 0).toBe(0);
    const labels = rows.flatMap((r) => (format === "visualprocessbench" ? (r.response as { process_correctness: number[] }).process_correctness : (r.conversations as Array<{ value: unknown }>)[1].value as number[]));
    expect(new Set(labels).size).toBeGreaterThan(1);
    expect(labels).toContain(format === "visualprocessbench" ? -1 : 0);
    const sources = new Set(rows.flatMap((r) => (r.meta as { step_label_sources: string[] }).step_label_sources));
    expect(sources).toEqual(new Set(["verifier", "human"]));
    const card = fs.readFileSync(path.join(result.out, "README.md"), "utf8");
    expect(card).toContain(definition.card.columns);
    for (const tag of definition.card.tags) expect(card).toContain(`- ${tag}`);
    expect(card).toContain(`${definition.label} rows for ${definition.trainer}`);
  });

  it("copied images resolve to the stored files; Parquet twins read back by hyparquet and arrow-rs", async () => {
    const result = await runExport({ config: { datasets: ["canonical-781"], format, images: "copy", parquet: true, split: { train: 1, validation: 0, test: 0 } }, out: outDir(`${format}-copy`) });
    const rows = dataRows(result.out);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const image = format === "visualprocessbench" ? (row.image as string[])[0] : (row.image as string);
      expect(fs.existsSync(path.join(result.out, image)), image).toBe(true);
    }
    const parquet = result.files.filter((f) => f.path.endsWith(".parquet"));
    expect(parquet).toHaveLength(1);
    const bytes = fs.readFileSync(path.join(result.out, parquet[0].path));
    const table = readParquet(new Uint8Array(bytes));
    expect(table.recordBatches().reduce((n, batch) => n + batch.numRows, 0)).toBe(2);
    table.free();
    const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(back.map((r) => (r as { meta: { trace_id: string } }).meta.trace_id)).toEqual(rows.map((r) => (r.meta as { trace_id: string }).trace_id));
  });

  it("is selectable with the CLI's --format; an option it does not honour is refused naming the field", () => {
    const dir = outDir(`${format}-cli`);
    const ok = stepwise("export", "--dataset", "canonical-781", "--format", format, "--images", "none", "--truncate-after-first-error", "--out", dir, "--json");
    expect(ok.code, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result.rows).toBe(2);
    for (const row of dataRows(dir)) definition.rowSchema.parse(row);
    const bad = stepwise("export", "--dataset", "canonical-781", "--format", format, "--rejected-steps", "mask", "--out", outDir("refused"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rejectedSteps/);
    const help = stepwise("export", "--help");
    expect(help.stdout + help.stderr).toContain(format);
  });
});
