import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { runJob } from "@/lib/jobs/jobs";
import { publishSpareRun } from "@/lib/services/spare/spare-publish";
import { listSparePairs, reviewSparePair, spareFunnel, startSpareRun } from "@/lib/services/spare/spare-review";
import { AppError } from "@/lib/errors";

// The SpaRE pages' services over a real SQLite file: a run started the web form's way, its funnel,
// pair review with labels measuring each filter, and publishing the pairs as traces for export.

const locnar = fs.readFileSync(path.resolve("fixtures/spare/locnar_eval_iiw_p5b_first20.jsonl"), "utf8");

async function run(dataset: string, content = locnar) {
  const started = await startSpareRun({ dataset, synthesizer: "rules", files: [{ name: "locnar.jsonl", content }] });
  const job = await runJob(started.job);
  expect(job.status).toBe("done");
  return started.job;
}

describe("SpaRE review services", () => {
  it("funnel: stages add up, examples per filter, relations next to the paper's SR %", async () => {
    const job = await run("spare-funnel");
    const funnel = await spareFunnel(job);
    expect(funnel.summary.pairs).toEqual({ generated: 102, kept: 96, unparseable: 0 });
    const stage = (key: string) => funnel.stages.find((s) => s.key === key)!;
    expect(stage("captions").count).toBe(20);
    expect(stage("generated").count).toBe(102);
    expect(stage("exact_duplicate")).toMatchObject({ removed: 6, count: 96 });
    expect(funnel.stages[funnel.stages.length - 1].count).toBe(96);
    expect(funnel.examples.exact_duplicate).toHaveLength(5);
    expect(funnel.examples.exact_duplicate[0].reason).toBeTruthy();
    expect(funnel.examples.reference).toEqual([]);
    // every one of the paper's 29 relations is listed (the long tail), plus counts summing to kept
    expect(funnel.relations.filter((r) => r.paperPercent !== null)).toHaveLength(29);
    expect(funnel.relations.reduce((a, r) => a + r.kept, 0)).toBe(96);
    expect(funnel.relations.find((r) => r.relation === "right")?.paperPercent).toBe(21.65);
  });

  it("review: filters by filter and relation, labels and edits, and filter precision from the labels", async () => {
    const job = await run("spare-review");
    const removed = await listSparePairs(job, { status: "removed", removedBy: "exact_duplicate" });
    expect(removed.total).toBe(6);
    expect(removed.pairs.every((p) => p.removedBy === "exact_duplicate")).toBe(true);
    expect(removed.captions[removed.pairs[0].captionId].text.length).toBeGreaterThan(0);

    const page = await listSparePairs(job, { status: "kept", limit: 10 });
    expect(page.pairs).toHaveLength(10);
    expect(page.nextCursor).toBe(page.pairs[9].id);
    const next = await listSparePairs(job, { status: "kept", limit: 10, cursor: page.nextCursor! });
    expect(next.pairs[0].id).toBeGreaterThan(page.pairs[9].id);

    const relation = page.pairs[0].relation;
    const byRelation = await listSparePairs(job, { relation, limit: 500 });
    expect(byRelation.pairs.length).toBeGreaterThan(0);
    expect(byRelation.pairs.every((p) => p.relation === relation)).toBe(true);

    await reviewSparePair(page.pairs[0].id, { label: "reject" });
    await reviewSparePair(page.pairs[1].id, { label: "accept" });
    const edited = await reviewSparePair(page.pairs[2].id, { label: "accept", answer: "Yes, it is." });
    expect(edited).toMatchObject({ label: "accept", editedAnswer: "Yes, it is.", editedQuestion: null });
    await reviewSparePair(removed.pairs[0].id, { label: "accept" }); // a filter removed a good pair
    await reviewSparePair(removed.pairs[1].id, { label: "reject" });
    await expect(reviewSparePair(page.pairs[3].id, { label: "reject", question: "x?" })).rejects.toThrow(AppError);
    await expect(reviewSparePair(99_999_999, { label: "accept" })).rejects.toMatchObject({ code: "not_found" });

    const cleared = await reviewSparePair(page.pairs[1].id, { label: null });
    expect(cleared.label).toBeNull();
    await reviewSparePair(page.pairs[1].id, { label: "accept" });

    expect((await listSparePairs(job, { label: "reject" })).total).toBe(2);
    expect((await listSparePairs(job, { label: "unlabelled" })).total).toBe(102 - 5);
    await expect(listSparePairs(job, { removedBy: "magic" })).rejects.toMatchObject({ code: "invalid_input" });

    const precision = (await spareFunnel(job)).precision;
    expect(precision.find((p) => p.filter === "kept")).toMatchObject({ total: 96, reviewed: 3, accepted: 2, rejected: 1 });
    expect(precision.find((p) => p.filter === "exact_duplicate")).toMatchObject({ total: 6, reviewed: 2, accepted: 1, rejected: 1 });
  });

  it("publish: kept minus rejected plus accepted-removed become traces with the edits; again replaces them", async () => {
    const job = await run("spare-publish");
    const kept = await listSparePairs(job, { status: "kept", limit: 3 });
    const removed = await listSparePairs(job, { status: "removed", limit: 1 });
    await reviewSparePair(kept.pairs[0].id, { label: "reject" });
    await reviewSparePair(kept.pairs[1].id, { label: "accept", question: "Edited question?" });
    await reviewSparePair(removed.pairs[0].id, { label: "accept" });

    const published = await publishSpareRun(job);
    expect(published).toMatchObject({ dataset: "spare-publish", traces: 96, left_out: { rejected: 1, removed: 5 }, replaced: 0 });
    const dataset = await db().dataset.findUniqueOrThrow({ where: { name: "spare-publish" } });
    const traces = await db().trace.findMany({ where: { datasetId: dataset.id }, include: { steps: true } });
    expect(traces).toHaveLength(96);
    expect(traces.every((t) => t.method === "spare" && t.steps.length === 1 && t.steps[0].kind === "answer")).toBe(true);
    expect(traces.some((t) => t.question === "Edited question?" && t.decision === "accept")).toBe(true);

    await reviewSparePair(kept.pairs[2].id, { label: "reject" });
    const again = await publishSpareRun(job);
    expect(again).toMatchObject({ traces: 95, replaced: 96 });
    expect(await db().trace.count({ where: { datasetId: dataset.id } })).toBe(95);
  });

  it("a web run with a bad caption line writes nothing and names file, line and field", async () => {
    const before = await db().job.count();
    const error = await startSpareRun({ dataset: "spare-bad-web", files: [{ name: "bad.jsonl", content: `{"caption": "A cup on a table."}\n{"caption": ""}\n` }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toEqual([{ file: "bad.jsonl", line: 2, path: "$.caption", error: "empty caption" }]);
    expect(await db().job.count()).toBe(before);
    await expect(startSpareRun({ dataset: "x", files: [] })).rejects.toMatchObject({ code: "invalid_input" });
  });
});
