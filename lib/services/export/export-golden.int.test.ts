import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, writeProgram } from "@/lib/db/sql";
import { listFiles } from "@/lib/formats/export/archive";
import type { ExportConfigInput } from "@/lib/schemas/exports";
import { runExport } from "@/lib/services/export/exports";
import { importFiles } from "@/lib/services/import/imports";
import { generateProgram } from "@/fixtures/export/generate";
import { addReview, editStep, recordVerifierRun } from "@/fixtures/export/labels";

// Golden export outputs: demo-like data (the real canonical CLEVR traces with their images, the
// real VisProg sample with its human labels, synthetic pairs with verifier runs, reviews, an edit)
// exported in every existing format under a spread of options; the SHA-256 of every output file
// (data shards, Parquet twins, meta sidecars, copied images, images.sha256, README.md,
// manifest.json) is pinned in fixtures/export/golden/hashes.json. A refactor of the export code
// must leave all of them byte-identical. A deliberate change of an output regenerates the file:
//   UPDATE_GOLDEN=1 npx vitest run lib/services/export/export-golden.int.test.ts
// and the diff of hashes.json shows exactly which files changed.
// The same goldens hold on both dialects although the ids differ (an import on PostgreSQL takes ids
// from its sequences in blocks and leaves gaps; SQLite numbers rows without): no output depends on a
// database id — rows carry the trace's own id, and a unit's seeded hash keys on dataset and that id.

const GOLDEN = path.resolve("fixtures/export/golden/hashes.json");
const OUT = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "golden");

const ALL = ["canonical-781", "visprog-gqa", "pairs", "spread"];

/** name → config; every existing format at least twice, every format-specific option at least once. */
const GOLDEN_CONFIGS: Record<string, ExportConfigInput> = {
  "trl-sft-copy-parquet": { datasets: ["canonical-781", "pairs"], format: "trl-sft", images: "copy", parquet: true },
  "trl-sft-curated": {
    datasets: ["pairs", "spread"], format: "trl-sft", images: "none", rejectedSteps: "drop", systemPrompt: "You answer spatial questions with tools.",
    relationCaps: { projective: 20 }, relationWeights: { metric: 2, topological: 0.5 }, split: { train: 0.6, validation: 0.2, test: 0.2 }, seed: 7, name: "Curated SFT",
  },
  "trl-sft-visprog": { datasets: ["visprog-gqa"], format: "trl-sft", images: "reference", humanAcceptedOnly: true, dedupe: false },
  "trl-prm-float": { datasets: ["pairs", "canonical-781"], format: "trl-prm", images: "reference", truncateAfterFirstError: true, labelType: "float", neutral: "negative", parquet: true },
  "trl-prm-verifier": { datasets: ["spread"], format: "trl-prm", labels: "verifier-only", images: "none", minQuality: 0.5, shardRows: 40 },
  "dpo-parquet": { datasets: ["pairs"], format: "dpo", images: "reference", parquet: true },
  "dpo-no-dedupe": { datasets: ["pairs", "spread"], format: "dpo", images: "none", dedupe: false, systemPrompt: "Be careful." },
  "kto-visprog": { datasets: ["visprog-gqa"], format: "kto", images: "reference", parquet: true },
  "kto-valid": { datasets: ["pairs", "spread"], format: "kto", images: "none", validOnly: true, labels: "human-first" },
  "offline-rl-gamma": { datasets: ["pairs"], format: "offline-rl", images: "reference", gamma: 0.9, truncateAfterFirstError: true, parquet: true },
  "offline-rl-drop": { datasets: ["canonical-781", "spread"], format: "offline-rl", images: "copy", rejectedSteps: "drop", labels: "human-only" },
  "openai-embed": { datasets: ["canonical-781"], format: "openai", images: "embed" },
  "openai-copy-mask": { datasets: ["canonical-781", "pairs"], format: "openai", images: "copy", imageBaseUrl: "https://example.org/data/", rejectedSteps: "mask", parquet: true },
  "openai-none": { datasets: ALL, format: "openai", images: "none", shardRows: 25, humanAcceptedOnly: false, systemPrompt: "sys" },
  "vqa-sft-copy": { datasets: ["canonical-781", "pairs"], format: "vqa-sft", images: "copy", parquet: true },
  "vqa-sft-none": { datasets: ["spread", "visprog-gqa"], format: "vqa-sft", images: "none", systemPrompt: "Answer in one word.", relationCaps: { projective: 20 } },
};

async function ids(dataset: string): Promise<number[]> {
  return (await (await sql()).all<{ id: number }>(`SELECT t."id" FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = ? ORDER BY t."id"`, [dataset])).map((r) => r.id);
}

beforeAll(async () => {
  await importFiles({ files: [path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl")], dataset: "canonical-781", imagesDir: path.resolve("prisma/demo/clevr") });
  await importFiles({ files: [path.resolve("prisma/demo/visprog/visprog_gqa100_traces_nohtml.jsonl")], dataset: "visprog-gqa", imagesDir: path.resolve("prisma/demo/visprog/images"), format: "visprog" });
  await writeProgram(() => generateProgram({ dataset: "pairs", traces: 40, tracesPerImage: 2, sameQuestionPerImage: true }));
  await writeProgram(() => generateProgram({ dataset: "spread", traces: 90, tracesPerImage: 3 }));
  await recordVerifierRun("canonical-781", 1, ({ index }) => ({ failing: index === 0 ? [2] : [], quality: 0.8, valid: index !== 0, skipped: [0] }));
  await recordVerifierRun("pairs", 1, ({ index }) => (index % 2 === 0 ? { failing: [], quality: 0.95, valid: true } : { failing: [4], quality: 0.35, valid: false }));
  await recordVerifierRun("spread", 1, ({ index }) => (index % 3 === 0 ? { failing: [2, 5], quality: 0.3, valid: false } : { failing: [], quality: 0.6 + (index % 7) / 20, valid: true, skipped: index % 5 === 0 ? [7] : [] }));
  const pairs = await ids("pairs");
  const spread = await ids("spread");
  // human labels of every kind: step accepts/rejects/neutrals, trace decisions, imported labels, ties
  await addReview({ traceId: pairs[0], stepIndex: 1, label: "reject" });
  await addReview({ traceId: pairs[0], stepIndex: 3, label: "neutral" });
  await addReview({ traceId: pairs[2], stepIndex: null, label: "accept" });
  await addReview({ traceId: pairs[3], stepIndex: null, label: "reject", user: "second" });
  await addReview({ traceId: pairs[4], stepIndex: 5, label: "accept", source: "external:prm800k" });
  await addReview({ traceId: pairs[4], stepIndex: 5, label: "reject", user: "other" });
  for (let i = 0; i < 8; i++) await addReview({ traceId: pairs[6], stepIndex: i, label: i === 6 ? "neutral" : "accept" });
  await addReview({ traceId: spread[1], stepIndex: 2, label: "reject", afterError: true });
  await addReview({ traceId: spread[4], stepIndex: null, label: "accept" });
  // an edit: a DPO edit pair (the trace against its original)
  await editStep(pairs[8], 4, { args: { object: "obj_2", relation: "right" } });
  await editStep(pairs[8], 5, { result: ["obj_5"] });
  await editStep(spread[7], 6, { text: "Corrected reasoning." });
});

async function hashesOf(name: string, config: ExportConfigInput): Promise<Record<string, string>> {
  const result = await runExport({ config, out: path.join(OUT, name) });
  const out: Record<string, string> = {};
  for (const file of listFiles(result.out)) out[file] = crypto.createHash("sha256").update(fs.readFileSync(path.join(result.out, file))).digest("hex");
  return out;
}

describe("golden export outputs", () => {
  it("every file of every golden export is byte-identical to the pinned SHA-256", async () => {
    const actual: Record<string, Record<string, string>> = {};
    for (const [name, config] of Object.entries(GOLDEN_CONFIGS)) actual[name] = await hashesOf(name, config);
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
      fs.writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(fs.existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1 once`).toBe(true);
    const pinned = JSON.parse(fs.readFileSync(GOLDEN, "utf8")) as Record<string, Record<string, string>>;
    expect(Object.keys(actual).sort()).toEqual(Object.keys(pinned).sort());
    for (const name of Object.keys(pinned)) {
      expect(Object.keys(actual[name]).sort(), `${name}: the set of files`).toEqual(Object.keys(pinned[name]).sort());
      for (const [file, sha] of Object.entries(pinned[name])) expect(actual[name][file], `${name}/${file}`).toBe(sha);
    }
    // the pinned set covers what it claims to: every format, Parquet, sidecars, copied images
    const all = Object.values(pinned).flatMap((files) => Object.keys(files));
    for (const kind of [/^data\/.*\.jsonl$/, /^data\/.*\.parquet$/, /^meta\//, /^images\//, /^images\.sha256$/, /^README\.md$/, /^manifest\.json$/]) {
      expect(all.some((f) => kind.test(f)), String(kind)).toBe(true);
    }
  });
});
