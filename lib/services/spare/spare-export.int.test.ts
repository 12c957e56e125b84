import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "@/lib/formats/export/archive";
import { vqaSftRow } from "@/lib/formats/export/formats/vqa-sft";
import { runJob } from "@/lib/jobs/jobs";
import { runExport } from "@/lib/services/export/exports";
import { publishSpareRun } from "@/lib/services/spare/spare-publish";
import { listSparePairs, reviewSparePair, startSpareRun } from "@/lib/services/spare/spare-review";

// SpaRE pairs all the way to a VQA SFT export: run → review → publish → export with relation-class
// caps (the rebalancing the paper did not do), over a real SQLite file and real files.

describe("SpaRE → VQA SFT export", () => {
  it("published pairs export one row per pair, edits included, rejected pairs left out, caps applied", async () => {
    const content = fs.readFileSync(path.resolve("fixtures/spare/iiw400_first30.jsonl"), "utf8");
    const started = await startSpareRun({ dataset: "spare-vqa", synthesizer: "rules", files: [{ name: "iiw.jsonl", content }] });
    expect((await runJob(started.job)).status).toBe("done");
    const kept = await listSparePairs(started.job, { status: "kept", limit: 2 });
    await reviewSparePair(kept.pairs[0].id, { label: "reject" });
    await reviewSparePair(kept.pairs[1].id, { label: "accept", answer: "An edited answer." });
    const published = await publishSpareRun(started.job);
    expect(published.traces).toBe(451 - 1);

    const out = fs.mkdtempSync(path.join(os.tmpdir(), "spare-vqa-"));
    const all = await runExport({ config: { datasets: ["spare-vqa"], format: "vqa-sft", images: "none", dedupe: false }, out: path.join(out, "all") });
    const rows = listFiles(all.out)
      .filter((f) => /^data\/.*\.jsonl$/.test(f))
      .flatMap((f) => fs.readFileSync(path.join(all.out, f), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
    expect(rows).toHaveLength(450);
    for (const row of rows) expect(vqaSftRow.safeParse(row).success).toBe(true);
    expect(rows.some((r) => r.messages[1].content === "An edited answer.")).toBe(true);
    expect(rows.every((r) => r.meta.method === "spare" && r.messages.length === 2)).toBe(true);
    expect(fs.readFileSync(path.join(all.out, "README.md"), "utf8")).toMatch(/VQA SFT/);

    const capped = await runExport({ config: { datasets: ["spare-vqa"], format: "vqa-sft", images: "none", dedupe: false, relationCaps: { projective: 50 } }, out: path.join(out, "capped") });
    expect(capped.rows).toBeLessThan(all.rows);
    expect(capped.skipped.relation_cap).toBeGreaterThan(0);
  });
});
