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
import { renderStrict } from "@/fixtures/chat-templates/render";

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

  it("multi-turn: one conversation per image with every selected pair of it, through the strict chat template", async () => {
    // two captions of one picture (the DOCCI / IIW case) and one of another; remote images, referenced
    const captions = [
      { image: "https://example.org/kitchen.jpg", caption: "A red cup sits on the wooden table. A spoon lies to the left of the red cup." },
      { image: "https://example.org/kitchen.jpg", caption: "The kettle stands behind the red cup, next to the toaster." },
      { image: "https://example.org/street.jpg", caption: "A bicycle leans against the brick wall under the window." },
    ];
    const started = await startSpareRun({ dataset: "spare-multi", synthesizer: "rules", files: [{ name: "multi.jsonl", content: captions.map((c) => JSON.stringify(c)).join("\n") }] });
    expect((await runJob(started.job)).status).toBe("done");
    const published = await publishSpareRun(started.job);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "spare-multi-"));
    const read = (dir: string) =>
      listFiles(dir)
        .filter((f) => /^data\/.*\.jsonl$/.test(f))
        .flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
    const single = read((await runExport({ config: { datasets: ["spare-multi"], format: "vqa-sft", images: "reference", dedupe: false }, out: path.join(out, "single") })).out);
    expect(single).toHaveLength(published.traces);
    const multi = await runExport({ config: { datasets: ["spare-multi"], format: "vqa-sft", images: "reference", dedupe: false, turns: "multi" }, out: path.join(out, "multi") });
    const rows = read(multi.out);
    expect(multi.rows).toBe(2);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.images).sort()).toEqual([["https://example.org/kitchen.jpg"], ["https://example.org/street.jpg"]]);
    for (const row of rows) {
      expect(vqaSftRow.safeParse(row).success).toBe(true);
      const n = row.meta.turn_trace_ids.length;
      expect(row.messages).toHaveLength(2 * n);
      expect(renderStrict(row.messages)).toBe("<user><assistant>".repeat(n));
      expect(row.messages.flatMap((m: { content: Array<{ type: string }> }) => m.content.filter((p) => p.type === "image"))).toHaveLength(1);
      expect(row.messages[0].content[0]).toEqual({ type: "image" });
    }
    // every single-turn row is a turn of exactly one conversation, questions in the same order
    expect(rows.flatMap((r) => r.meta.turn_trace_ids).sort()).toEqual(single.map((r) => r.meta.trace_id).sort());
    const kitchen = rows.find((r) => r.images[0].includes("kitchen"))!;
    const questions = kitchen.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: Array<{ type: string; text?: string }> }) => m.content.find((p) => p.type === "text")!.text);
    expect(questions).toEqual(kitchen.meta.turn_trace_ids.map((id: string) => single.find((r) => r.meta.trace_id === id)!.messages[0].content.find((p: { type: string }) => p.type === "text").text));
    expect(fs.readFileSync(path.join(multi.out, "README.md"), "utf8")).toMatch(/Multi-turn/);
  });
});
