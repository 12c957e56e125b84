import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "@/lib/db/sql";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { importFiles } from "@/lib/services/import/imports";
import { createVerifierConfig } from "@/lib/services/verify/verifier-configs";
import { runVerifier } from "@/lib/services/verify/verify";
import { memoryLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";
import { addReview } from "@/fixtures/export/labels";

// reasoning.judge end to end (docs/design.md §5 "reasoning.judge"): the built-in teacher endpoint
// (lib/teacher/serve, its judge responder) over real HTTP on 127.0.0.1, a real SQLite file, the
// verify service's two passes, the JudgeCache table and calibration reading the rule's verdicts.

let server: TeacherServer;
let config: number;
const dir = path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "judge-fixture");

// CLEVR_train_000781: obj_3 gray small metal sphere, obj_4 red large metal sphere, obj_9 yellow large rubber sphere
const PHRASES = {
  right: "Let me think about obj_9 — yellow ball, big.", // the reader reads nothing here; the judge finds it right
  wrong: "Hmm, obj_4 — blue, I'd say.", // wrong: obj_4 is red
  vague: "Next I will look more closely at things.", // nothing for anyone to check: the judge is unsure
};

function trace(id: string, reasoning: string[]): string {
  return JSON.stringify({
    schema: "stepwise.trace/v1",
    id,
    image: "CLEVR_train_000781.png",
    question: "What color is the large metal sphere?",
    answer: "red",
    method: "direct",
    steps: [{ kind: "plan", text: "Find the large metal sphere, then read its color." }, ...reasoning.map((text) => ({ kind: "reasoning", text })), { kind: "answer", text: "red" }],
  });
}

async function verdicts(runId: number, rule: string) {
  return (await sql()).all<{ outcome: string; message: string; evidence: string | null; index: number; kind: string; externalId: string }>(
    `SELECT v."outcome", v."message", v."evidence", s."index", s."kind", t."externalId" FROM "Verdict" v JOIN "Step" s ON s."id" = v."stepId" JOIN "Trace" t ON t."id" = v."traceId" WHERE v."runId" = ? AND v."rule" = ? ORDER BY t."externalId", s."index"`,
    [runId, rule],
  );
}

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "judge.jsonl");
  fs.writeFileSync(file, [trace("j-1", [PHRASES.right]), trace("j-2", [PHRASES.wrong]), trace("j-3", [PHRASES.vague, "obj_4 is red."])].join("\n") + "\n");
  const demo = path.resolve("prisma/demo/clevr");
  await importFiles({ files: [path.join(demo, "CLEVR_train_scenes_subset5.json")], dataset: "judge", imagesDir: demo });
  await importFiles({ files: [file], dataset: "judge", imagesDir: demo });
  config = (await createVerifierConfig({ name: "with judge", rules: { "reasoning.judge": { enabled: true, weight: 1 } } })).version;
  server = await startTeacherServer({ lookup: memoryLookup([]) });
});

afterAll(async () => {
  await server?.close();
});

describe("reasoning.judge over the built-in teacher endpoint", () => {
  let firstRun = 0;
  let asked = 0;

  it("judges the steps no other rule checked; verdict and rationale stored as evidence", async () => {
    const before = server.stats.completions;
    const summary = await runVerifier({ dataset: "judge", config, judge: { baseUrl: server.url, model: BUILTIN_MODEL } });
    firstRun = summary.run;
    expect(summary.judge).toMatchObject({ model: BUILTIN_MODEL, cached: 0, failed: 0 });
    asked = summary.judge!.asked;
    // three unreadable sentences and one plan: the three traces' plan steps are the same step in the
    // same context (same question, scene and text), one content hash, asked once; "obj_4 is red." is the claims rule's
    expect(asked).toBe(4);
    // and the preflight's one-token probe
    expect(server.stats.completions - before).toBe(asked + 1);

    const rows = await verdicts(firstRun, "reasoning.judge");
    const at = (trace: string, index: number) => rows.find((r) => r.externalId === trace && r.index === index)!;
    expect(at("j-1", 1)).toMatchObject({ outcome: "pass" });
    expect(JSON.parse(at("j-1", 1).evidence!)).toMatchObject({ found: "correct", model: BUILTIN_MODEL, rationale: expect.stringContaining("obj_9") });
    expect(at("j-2", 1)).toMatchObject({ outcome: "fail" });
    expect(JSON.parse(at("j-2", 1).evidence!)).toMatchObject({ found: "incorrect", rationale: "obj_4 is red, not blue" });
    expect(at("j-3", 1)).toMatchObject({ outcome: "skip", message: expect.stringContaining("judge unsure") });
    expect(at("j-3", 2)).toMatchObject({ outcome: "skip", message: "checked by another rule" });
    for (const trace of ["j-1", "j-2", "j-3"]) expect(at(trace, 0)).toMatchObject({ kind: "plan", outcome: "pass" });
    // the wrong step makes its trace invalid; plan steps are now checked
    expect(summary.coverage.plan).toEqual({ checked: 3, unchecked: 0 });
  });

  it("re-verification answers from the cache: no request reaches the endpoint", async () => {
    const before = server.stats.completions;
    const summary = await runVerifier({ dataset: "judge", config, judge: { baseUrl: server.url, model: BUILTIN_MODEL } });
    expect(summary.judge).toMatchObject({ asked: 0, cached: asked, failed: 0 });
    expect(server.stats.completions).toBe(before + 1); // the preflight probe only
    const again = await verdicts(summary.run, "reasoning.judge");
    const first = await verdicts(firstRun, "reasoning.judge");
    expect(again.map((r) => [r.externalId, r.index, r.outcome, r.message])).toEqual(first.map((r) => [r.externalId, r.index, r.outcome, r.message]));
  });

  it("calibration has rows for the rule once people label the judged steps", async () => {
    const ids = await (await sql()).all<{ id: number; externalId: string }>(`SELECT t."id", t."externalId" FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" WHERE d."name" = 'judge'`);
    const id = (external: string) => ids.find((t) => t.externalId === external)!.id;
    await addReview({ traceId: id("j-1"), stepIndex: 1, label: "accept" });
    await addReview({ traceId: id("j-2"), stepIndex: 1, label: "reject" });
    await addReview({ traceId: id("j-1"), stepIndex: 0, label: "accept" });
    const report = await getCalibration(calibrationQuery.parse({ dataset: "judge" }));
    expect(report.ruleOrder).toContain("reasoning.judge");
    const judge = report.rules["reasoning.judge"];
    // accepted and passed: 2 (j-1's plan and sentence); rejected and failed: 1
    expect({ tp: judge.tp, fp: judge.fp, fn: judge.fn, tn: judge.tn }).toEqual({ tp: 1, fp: 0, fn: 0, tn: 2 });
  });

  it("without an endpoint the rule skips and says how to give one; a wrong endpoint fails the run before it starts", async () => {
    const summary = await runVerifier({ dataset: "judge", config, judge: null });
    expect(summary.judge).toBeUndefined();
    const rows = await verdicts(summary.run, "reasoning.judge");
    expect(rows.find((r) => r.kind === "plan")).toMatchObject({ outcome: "skip", message: expect.stringContaining("no judge endpoint") });
    await expect(runVerifier({ dataset: "judge", config, judge: { baseUrl: server.url, model: "no-such-model" } })).rejects.toThrow(/judge endpoint/);
  });
});
