import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { readParquet } from "parquet-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sql, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { listFiles } from "@/lib/formats/export/archive";
import { ROW_SCHEMAS } from "@/lib/formats/export/registry";
import { canonicalFromSft } from "@/lib/formats/export/round-trip";
import { EXPORT_FORMATS, type ExportConfigInput, type ExportFormat } from "@/lib/schemas/exports";
import { buildExport, ExportCancelled, parseExportConfig } from "@/lib/services/export/export-build";
import { previewExport, runExport } from "@/lib/services/export/exports";
import { importFiles } from "@/lib/services/import/imports";
import { seedDemo } from "@/lib/services/system/seed";
import { generateProgram } from "@/fixtures/export/generate";
import { addReview, editStep, recordVerifierRun } from "@/fixtures/export/labels";
import { callProblems, renderStrict } from "@/fixtures/chat-templates/render";

// Exports against a real SQLite file: the demo data (real CLEVR and VisProg traces), the canonical
// fixture, and synthetic traces with verifier runs, reviews and edits written like the owning
// services write them. Every exported file is read back from disk.

const OUT = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "out");
let counter = 0;
const outDir = (name: string) => path.join(OUT, `${name}-${++counter}`);

function readJsonl(dir: string, file: string): Array<Record<string, unknown>> {
  return fs.readFileSync(path.join(dir, file), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function dataRows(dir: string, prefix = "data"): Array<Record<string, unknown>> {
  return listFiles(dir).filter((f) => f.startsWith(`${prefix}/`)).flatMap((f) => readJsonl(dir, f));
}

function sha(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

async function traceIds(dataset: string): Promise<Array<{ id: number; externalId: string }>> {
  return (await sql()).all<{ id: number; externalId: string }>(`SELECT t."id", t."externalId" FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = ? ORDER BY t."id"`, [dataset]);
}

beforeAll(async () => {
  await seedDemo();
  await importFiles({ files: [path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl")], dataset: "canonical-781", imagesDir: path.resolve("prisma/demo/clevr") });
  // clevr-demo: verifier v1 fails the first tool result of every third trace
  await recordVerifierRun("clevr-demo", 1, ({ index }) => (index % 3 === 0 ? { failing: [2], quality: 0.4, valid: false } : { failing: [], quality: 0.9 + (index % 10) / 100, valid: true }));
  // synthetic "pairs": two traces per image asking the same question; even traces valid, odd wrong at step 4
  await writeProgram(() => generateProgram({ dataset: "pairs", traces: 120, tracesPerImage: 2, sameQuestionPerImage: true }));
  await recordVerifierRun("pairs", 1, ({ index }) => (index % 2 === 0 ? { failing: [], quality: 0.95, valid: true } : { failing: [4], quality: 0.35, valid: false }));
  // synthetic "spread": 3 traces per image, 200 images, distinct questions
  await writeProgram(() => generateProgram({ dataset: "spread", traces: 600, tracesPerImage: 3 }));
});

describe("formats", () => {
  it.each(EXPORT_FORMATS)("%s rows match the TRL / OpenAI layout, with label provenance", async (format: ExportFormat) => {
    const dataset = format === "dpo" ? "pairs" : "clevr-demo";
    const config: ExportConfigInput = { datasets: [dataset], format, images: dataset === "pairs" ? "reference" : format === "openai" ? "embed" : "copy" };
    const result = await runExport({ config, out: outDir(format) });
    const rows = dataRows(result.out);
    expect(rows.length).toBe(result.rows);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) ROW_SCHEMAS[format].parse(row);
    const shards = result.files.filter((f) => f.path.startsWith("data/"));
    expect(shards.every((f) => /^data\/(train|validation|test)-\d{5}-of-\d{5}\.jsonl$/.test(f.path))).toBe(true);
    if (format === "openai") {
      // OpenAI rejects unknown keys: provenance sits on the same line of meta/ files
      const metas = dataRows(result.out, "meta");
      expect(metas.length).toBe(rows.length);
      expect(metas.every((m) => typeof m.trace_id === "string" && Array.isArray(m.step_label_sources))).toBe(true);
      const user = (rows[0].messages as Array<{ role: string; content: unknown }>).find((m) => m.role === "user")!;
      expect(JSON.stringify(user.content)).toContain("data:image/png;base64,");
    } else if (format === "dpo") {
      expect(rows.every((r) => (r.meta as { chosen: { judgment: string } }).chosen.judgment === "good")).toBe(true);
      expect(rows.every((r) => (r.meta as { rejected: { judgment: string } }).rejected.judgment === "bad")).toBe(true);
    } else {
      const sources = rows.flatMap((r) => {
        const meta = r.meta as { step_label_sources?: string[]; label_source?: string };
        return meta.step_label_sources ?? [meta.label_source];
      });
      expect(new Set(sources)).toEqual(new Set(["verifier"]));
    }
  });

  it("TRL SFT round-trips: the canonical trace is rebuilt from its messages", async () => {
    const result = await runExport({ config: { datasets: ["canonical-781"], format: "trl-sft", split: { train: 1, validation: 0, test: 0 } }, out: outDir("roundtrip") });
    const rows = dataRows(result.out);
    const originals = fs.readFileSync("fixtures/canonical/clevr-781-two-traces.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows).toHaveLength(originals.length);
    for (const original of originals) {
      const row = rows.find((r) => (r.meta as { trace_id: string }).trace_id === original.id)!;
      const rebuilt = canonicalFromSft(row as never);
      expect(rebuilt).toEqual({ schema: original.schema, id: original.id, image: original.image, question: original.question, steps: original.steps });
      // the image column points at the copied file, which is the very image
      const image = (row.images as string[])[0];
      expect(sha(path.join(result.out, image))).toBe(sha(path.resolve("prisma/demo/clevr", original.image)));
    }
  });

  it("VisProg traces keep their program lines and call ids through SFT", async () => {
    const result = await runExport({ config: { datasets: ["visprog-gqa"], format: "trl-sft", images: "reference", humanAcceptedOnly: true }, out: outDir("visprog") });
    const rows = dataRows(result.out);
    expect(rows.length).toBe(34); // the real sample has 34 human-verified correct traces
    expect(result.skipped.not_human_accepted).toBe(66);
    let withCalls = 0;
    for (const row of rows) {
      const rebuilt = canonicalFromSft(row as never);
      const calls = rebuilt.steps.filter((s) => s.kind === "tool_call");
      if (calls.length) withCalls++;
      expect(calls.every((c) => c.kind === "tool_call" && /=/.test(c.text ?? ""))).toBe(true);
      expect((row.meta as { judgment_source: string }).judgment_source).toBe("external:visprog");
      if (calls.length) expect((JSON.parse(row.tools as string) as Array<{ function: { name: string } }>).map((t) => t.function.name)).toContain("RESULT");
    }
    expect(withCalls).toBeGreaterThan(rows.length / 2);
  });
});

/** Same data modulo "absent" vs "null" (Parquet has only nulls). */
function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : stripNulls(v)));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, stripNulls(v)]));
  }
  return value;
}

describe("parquet", () => {
  it.each(["trl-sft", "trl-prm", "dpo", "kto", "offline-rl", "openai"] as ExportFormat[])("%s: nested Parquet copies read back by hyparquet and by arrow-rs", async (format) => {
    const dataset = format === "dpo" ? "pairs" : format === "kto" ? "visprog-gqa" : "clevr-demo";
    const result = await runExport({ config: { datasets: [dataset], format, parquet: true, images: format === "openai" ? "none" : "reference", shardRows: 20 }, out: outDir(`parquet-${format}`) });
    const jsonl = result.files.filter((f) => f.path.startsWith("data/") && f.path.endsWith(".jsonl"));
    const parquet = result.files.filter((f) => f.path.endsWith(".parquet"));
    expect(parquet.map((f) => f.path)).toEqual(jsonl.map((f) => f.path.replace(/\.jsonl$/, ".parquet")));
    const card = fs.readFileSync(path.join(result.out, "README.md"), "utf8");
    expect(card).toContain("- config_name: parquet");
    for (const [i, file] of parquet.entries()) {
      const bytes = fs.readFileSync(path.join(result.out, file.path));
      // arrow-rs (parquet-wasm) decodes the whole file into Arrow: an independent implementation
      const table = readParquet(new Uint8Array(bytes));
      expect(table.recordBatches().reduce((n, batch) => n + batch.numRows, 0)).toBe(file.rows);
      const rows = readJsonl(result.out, jsonl[i].path);
      for (const column of Object.keys(rows[0])) expect(table.schema.indexOf(column), column).toBeGreaterThanOrEqual(0);
      table.free();
      const back = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
      expect(back).toHaveLength(rows.length);
      // OpenAI content is a string in some turns and a list in others: Parquet keeps it as JSON text
      if (format !== "openai") expect(back.map(stripNulls)).toEqual(rows.map(stripNulls));
      // read through Arrow, every call gives back exactly the arguments it was written with (no
      // other tool's keys as null), the tool accepts them, and the tools column is unchanged
      const calls = (r: Record<string, unknown>) => JSON.stringify(r).match(/"arguments":"(?:[^"\\]|\\.)*"/g) ?? [];
      back.forEach((row, r) => {
        expect(calls(row as Record<string, unknown>), `row ${r}`).toEqual(calls(rows[r]));
        if (typeof rows[r].tools === "string") expect((row as { tools: string }).tools).toBe(rows[r].tools);
        const chat = ["messages", "prompt", "chosen", "rejected", "completion", "state"].flatMap((k) => ((row as Record<string, unknown>)[k] as never[]) ?? []);
        expect(callProblems(chat), `row ${r}`).toEqual([]);
        if (format === "trl-sft") expect(() => renderStrict(chat)).not.toThrow();
      });
      if (["trl-sft", "dpo", "kto", "offline-rl"].includes(format)) expect(back.some((row) => calls(row as Record<string, unknown>).length > 0)).toBe(true);
      if (format === "trl-sft") {
        // real nested columns, not JSON strings: messages is a LIST of STRUCTs
        const schema = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).schema;
        expect(schema.find((s) => s.name === "messages")?.converted_type).toBe("LIST");
        expect(schema.find((s) => s.name === "tool_calls")?.converted_type).toBe("LIST");
      }
    }
  });
});

describe("licences and split warnings", () => {
  it("the card's licence comes from the datasets; a split too few images leave empty is a warning in the preview, the card and the manifest", async () => {
    const config: ExportConfigInput = { datasets: ["clevr-demo"], format: "trl-sft", images: "none", split: { train: 0.8, validation: 0.1, test: 0.1 } };
    const preview = await previewExport(config);
    const empty = (["train", "validation", "test"] as const).filter((s) => !preview.counts.splits[s]);
    expect(empty.length).toBeGreaterThan(0); // 5 images cannot fill 80/10/10
    for (const split of empty) expect(preview.warnings.some((w) => w.startsWith(`The ${split} split is empty`) && /splits are by image/.test(w) && /5 images/.test(w))).toBe(true);
    expect(preview.sources).toEqual([{ dataset: "clevr-demo", license: "cc-by-4.0", attribution: expect.stringContaining("CLEVR v1.0") }]);
    const warned: string[] = [];
    const result = await runExport({ config, out: outDir("licence"), onWarning: (w) => warned.push(w) });
    expect(warned).toEqual(preview.warnings);
    const card = fs.readFileSync(path.join(result.out, "README.md"), "utf8");
    expect(card.split("---")[1]).toContain("license: cc-by-4.0");
    expect(card).toContain("| clevr-demo | cc-by-4.0 | CLEVR v1.0");
    for (const w of preview.warnings) expect(card).toContain(`- ${w}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(result.out, "manifest.json"), "utf8"));
    expect(manifest.warnings).toEqual(preview.warnings);
    expect(manifest.sources[0].license).toBe("cc-by-4.0");
    // a dataset without a licence beside it: the card says unknown... and with two different ones, other
    await (await sql()).run(`UPDATE "Dataset" SET "license" = 'apache-2.0' WHERE "name" = 'visprog-gqa'`);
    const mixed = await previewExport({ ...config, datasets: ["clevr-demo", "visprog-gqa"] });
    expect(mixed.sources.map((s) => s.license)).toEqual(["cc-by-4.0", "apache-2.0, cc-by-4.0"]);
    // a split with every share filled gives no warning
    const whole = await previewExport({ ...config, split: { train: 1, validation: 0, test: 0 } });
    expect(whole.warnings).toEqual([]);
  });
});

describe("determinism", () => {
  it("two exports of the same config are byte-identical, archive included", async () => {
    const config: ExportConfigInput = { datasets: ["clevr-demo", "visprog-gqa"], format: "trl-sft", seed: 7, images: "copy", parquet: true };
    const a = await runExport({ config, out: outDir("same") });
    const b = await runExport({ config, out: outDir("same") });
    const files = listFiles(a.out);
    expect(files).toEqual(listFiles(b.out));
    expect(files).toContain("manifest.json");
    for (const f of files) expect(sha(path.join(a.out, f)), f).toBe(sha(path.join(b.out, f)));
    const { writeArchive } = await import("@/lib/formats/export/archive");
    await writeArchive(a.out, "x", `${a.out}.tar.gz`);
    await writeArchive(b.out, "x", `${b.out}.tar.gz`);
    expect(sha(`${a.out}.tar.gz`)).toBe(sha(`${b.out}.tar.gz`));
    // the manifest lists every data file with the hash of its bytes on disk
    const manifest = JSON.parse(fs.readFileSync(path.join(a.out, "manifest.json"), "utf8"));
    for (const entry of manifest.files) expect(sha(path.join(a.out, entry.path))).toBe(entry.sha256);
    // images.sha256 covers every copied image, and each line's hash is that file's hash
    const checks = fs.readFileSync(path.join(a.out, "images.sha256"), "utf8").trim().split("\n").map((l) => l.split("  "));
    expect(checks.length).toBe(manifest.counts.images);
    expect(checks.map(([, file]) => file)).toEqual(files.filter((f) => f.startsWith("images/")));
    for (const [hash, file] of checks) expect(sha(path.join(a.out, file))).toBe(hash);
    expect(manifest.config).toEqual(parseExportConfig(config));
  });

  it("a changed human label changes the rows and the manifest hash", async () => {
    const config: ExportConfigInput = { datasets: ["clevr-demo"], format: "trl-prm", images: "none" };
    const before = await runExport({ config, out: outDir("label") });
    const [first] = await traceIds("clevr-demo");
    await addReview({ traceId: first.id, stepIndex: 0, label: "reject" });
    const after = await runExport({ config, out: outDir("label") });
    const manifestSha = (r: typeof before) => r.files.find((f) => f.path === "manifest.json")!.sha256;
    expect(manifestSha(after)).not.toBe(manifestSha(before));
    const row = dataRows(after.out).find((r) => (r.meta as { trace_id: string }).trace_id === first.externalId)!;
    expect((row.labels as boolean[])[0]).toBe(false);
    expect((row.meta as { step_label_sources: string[] }).step_label_sources[0]).toBe("human");
    // the verifier passed the step the human rejected: the card's agreement table counts it
    const manifest = JSON.parse(fs.readFileSync(path.join(after.out, "manifest.json"), "utf8"));
    expect(manifest.agreement).toMatchObject({ bad_pass: 1, good_pass: 0, bad_fail: 0 });
    expect(manifest.labels.steps.human).toBe(1);
    const card = fs.readFileSync(path.join(after.out, "README.md"), "utf8");
    expect(card).toContain("| reject | 1 | 0 |");
    // one human reject the verifier passed: recall 0 of 1 (Wilson upper bound z²/(1+z²) = 0.793)
    expect(card).toContain("| recall | 0.000 [0.000, 0.793] |");
    expect(card).toContain("| Cohen's κ |");
    expect(card).toContain("Small sample: only 1 labelled");
  });
});

describe("splits and curation", () => {
  it("no image appears in two splits, and every split is used", async () => {
    const result = await runExport({ config: { datasets: ["spread"], format: "trl-sft", images: "reference", seed: 3 }, out: outDir("splits") });
    const splitOfImage = new Map<string, Set<string>>();
    for (const row of dataRows(result.out)) {
      const meta = row.meta as { image: string; split: string };
      if (!splitOfImage.has(meta.image)) splitOfImage.set(meta.image, new Set());
      splitOfImage.get(meta.image)!.add(meta.split);
    }
    expect(splitOfImage.size).toBe(200);
    expect([...splitOfImage.values()].every((s) => s.size === 1)).toBe(true);
    const counts = { train: 0, validation: 0, test: 0 } as Record<string, number>;
    for (const splits of splitOfImage.values()) counts[[...splits][0]]++;
    expect(counts.train).toBeGreaterThan(counts.validation);
    expect(counts.validation).toBeGreaterThan(0);
    expect(counts.test).toBeGreaterThan(0);
    // each split's file holds only its own rows
    for (const f of result.files.filter((x) => x.path.startsWith("data/"))) {
      const split = path.basename(f.path).split("-")[0];
      expect(readJsonl(result.out, f.path).every((r) => (r.meta as { split: string }).split === split)).toBe(true);
    }
  });

  it("de-duplicates the same image + normalised question, keeping the accepted trace", async () => {
    const result = await runExport({ config: { datasets: ["pairs"], format: "trl-sft", images: "reference" }, out: outDir("dedupe") });
    expect(result.rows).toBe(60);
    expect(result.skipped.duplicate).toBe(60);
    expect(dataRows(result.out).every((r) => (r.meta as { judgment: string }).judgment === "good")).toBe(true);
    const all = await runExport({ config: { datasets: ["pairs"], format: "trl-sft", images: "reference", dedupe: false }, out: outDir("dedupe") });
    expect(all.rows).toBe(120);
  });

  it("filters by quality, validity and human acceptance, counting what was left out", async () => {
    const quality = await previewExport({ datasets: ["clevr-demo"], format: "trl-sft", minQuality: 0.9, dedupe: false });
    // scores of the run the export reads: the latest finished one (the fixture run above)
    const run = await db().verifierRun.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, status: "done" }, orderBy: { id: "desc" } });
    expect(quality.counts.rows).toBe(await db().traceScore.count({ where: { runId: run.id, quality: { gte: 0.9 } } }));
    expect(quality.skipped.below_min_quality).toBe(await db().traceScore.count({ where: { runId: run.id, quality: { lt: 0.9 } } }));
    const valid = await previewExport({ datasets: ["pairs"], format: "kto", validOnly: true, dedupe: false, images: "reference" });
    expect(valid.counts.rows).toBe(60);
    expect(valid.skipped.not_valid).toBe(60);
    await expect(previewExport({ datasets: ["spread"], format: "trl-sft", validOnly: true })).rejects.toThrow(/needs a finished verifier run/);
    await expect(previewExport({ datasets: ["nope"], format: "trl-sft" })).rejects.toThrow(AppError);
  });

  it("PRM: truncates after the first error; SFT drop removes a wrong call with its result; OpenAI mask sets weight 0", async () => {
    const prm = await runExport({ config: { datasets: ["pairs"], format: "trl-prm", images: "none", truncateAfterFirstError: true, dedupe: false }, out: outDir("prm") });
    for (const row of dataRows(prm.out)) {
      const labels = row.labels as boolean[];
      const firstFalse = labels.indexOf(false);
      if (firstFalse >= 0) expect(labels.length).toBe(firstFalse + 1);
      else expect(labels.length).toBe(8);
    }
    const sft = await runExport({ config: { datasets: ["pairs"], format: "trl-sft", images: "reference", rejectedSteps: "drop", dedupe: false }, out: outDir("drop") });
    for (const row of dataRows(sft.out)) {
      const meta = row.meta as { judgment: string; step_index: number[] };
      // step 4 (a relate call) failed on odd traces: the call and its result (step 5) are gone
      if (meta.judgment === "bad") expect(meta.step_index).toEqual([0, 1, 2, 3, 6, 7]);
      else expect(meta.step_index).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    const openai = await runExport({ config: { datasets: ["pairs"], format: "openai", images: "none", rejectedSteps: "mask", dedupe: false }, out: outDir("mask") });
    const metas = dataRows(openai.out, "meta");
    dataRows(openai.out).forEach((row, i) => {
      const assistants = (row.messages as Array<{ role: string; weight?: number }>).filter((m) => m.role === "assistant");
      const zero = assistants.filter((m) => m.weight === 0).length;
      expect(zero).toBe((metas[i] as { judgment: string }).judgment === "bad" ? 1 : 0);
    });
  });

  it("DPO pairs traces within a group and an edited trace with its original", async () => {
    const [t0, t1] = await traceIds("pairs");
    // a human corrects the wrong call of trace 1 and accepts every step of it
    await editStep(t1.id, 4, { args: { object: "obj_1", relation: "right" } });
    for (let i = 0; i < 8; i++) await addReview({ traceId: t1.id, stepIndex: i, label: "accept", revision: i === 4 ? 1 : 0 });
    const result = await runExport({ config: { datasets: ["pairs"], format: "dpo", images: "reference", dedupe: false }, out: outDir("dpo") });
    const rows = dataRows(result.out);
    const edit = rows.find((r) => (r.meta as { pair: string }).pair === "edit")!;
    expect((edit.meta as { chosen: { trace_id: string } }).chosen.trace_id).toBe(t1.externalId);
    const callArgs = (side: unknown) => JSON.parse((side as Array<{ tool_calls?: Array<{ function: { name: string; arguments: string } }> }>).filter((m) => m.tool_calls)[1].tool_calls![0].function.arguments);
    expect(callArgs(edit.chosen)).toEqual({ object: "obj_1", relation: "right" });
    expect(callArgs(edit.rejected)).toEqual({ object: "obj_1", relation: "left" });
    // trace 1 is now good, so its group (with trace 0, also good) has no rejected partner
    expect(rows.some((r) => (r.meta as { chosen: { trace_id: string } }).chosen.trace_id === t0.externalId && (r.meta as { pair: string }).pair === "group")).toBe(false);
    expect(rows.filter((r) => (r.meta as { pair: string }).pair === "group")).toHaveLength(59);
  });

  it("caps relation classes and weights them in the train split", async () => {
    const base = await previewExport({ datasets: ["spread"], format: "trl-sft", images: "reference" });
    const projective = Object.values(base.counts.classes).reduce((n, c) => n + (c?.projective ?? 0), 0);
    expect(projective).toBeGreaterThan(100);
    const capped = await previewExport({ datasets: ["spread"], format: "trl-sft", images: "reference", relationCaps: { projective: 100 } });
    expect(Object.values(capped.counts.classes).reduce((n, c) => n + (c?.projective ?? 0), 0)).toBe(100);
    expect(capped.skipped.relation_cap).toBe(projective - 100);
    const weighted = await previewExport({ datasets: ["spread"], format: "trl-sft", images: "reference", relationWeights: { orientation: 3, comparison: 0 } });
    expect(weighted.counts.classes.train?.orientation).toBe(3 * (base.counts.classes.train?.orientation ?? 0));
    expect(weighted.counts.classes.validation?.orientation).toBe(base.counts.classes.validation?.orientation);
    expect(weighted.counts.classes.train?.comparison ?? 0).toBe(0);
    expect(weighted.skipped.relation_weight).toBe(base.counts.classes.train?.comparison);
  });
});

describe("running an export", () => {
  it("reports monotonic progress ending at 1 and shards by row count", async () => {
    const seen: number[] = [];
    const result = await buildExport({ config: parseExportConfig({ datasets: ["spread"], format: "trl-sft", images: "reference", shardRows: 100 }), out: outDir("progress"), onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBe(1);
    const train = result.files.filter((f) => f.path.startsWith("data/train-"));
    expect(train.length).toBe(Math.ceil(result.counts.splits.train! / 100));
    expect(train.at(-1)!.path).toMatch(new RegExp(`-of-${String(train.length).padStart(5, "0")}\\.jsonl$`));
  });

  it("a cancelled export leaves nothing behind; an occupied --out is refused untouched", async () => {
    const out = outDir("cancel");
    const controller = new AbortController();
    const pending = buildExport({ config: parseExportConfig({ datasets: ["spread"], format: "trl-sft", images: "reference" }), out, signal: controller.signal, onProgress: (f) => f > 0.1 && controller.abort() });
    await expect(pending).rejects.toBeInstanceOf(ExportCancelled);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(OUT).filter((f) => f.includes(".partial-"))).toEqual([]);
    const busy = outDir("busy");
    fs.mkdirSync(busy, { recursive: true });
    fs.writeFileSync(path.join(busy, "keep.txt"), "mine");
    await expect(runExport({ config: { datasets: ["spread"], format: "trl-sft" }, out: busy })).rejects.toThrow(/not empty/);
    expect(fs.readdirSync(busy)).toEqual(["keep.txt"]);
  });

  it("rejects configs that cannot be honoured, naming the field", () => {
    expect(() => parseExportConfig({ datasets: ["x"], format: "trl-sft", rejectedSteps: "mask" })).toThrow(/rejectedSteps/);
    expect(() => parseExportConfig({ datasets: ["x"], format: "trl-sft", split: { train: 0.5, validation: 0.1, test: 0.1 } })).toThrow(/add up to 1/);
    expect(() => parseExportConfig({ datasets: ["x"], format: "kto", truncateAfterFirstError: true })).toThrow(/truncateAfterFirstError/);
    expect(() => parseExportConfig({ datasets: [], format: "trl-sft" })).toThrow(/datasets/);
  });
});
