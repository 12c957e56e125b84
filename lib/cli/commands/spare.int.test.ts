import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { memoryLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// `stepwise spare run` in a child process against this test file's own SQLite database; the llm
// path talks to the built-in teacher endpoint (teacher-serve) over real HTTP.

const CLI = [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts")];
// async: the teacher server runs in this process and must keep answering while the CLI runs
function stepwise(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const F = (name: string) => path.resolve("fixtures/spare", `${name}.jsonl`);
const removedTotal = (r: { removed: Record<string, number> }) => Object.values(r.removed).reduce((a, b) => a + b, 0);

let server: TeacherServer;
beforeAll(async () => {
  server = await startTeacherServer({ lookup: memoryLookup([]) });
});
afterAll(() => server.close());

describe("stepwise spare run", () => {
  it("rules over the three fixtures: the issue's JSON shape, kept + Σ removed = generated; re-running resumes", async () => {
    const { code, stdout, stderr } = await stepwise("spare", "run", "--captions", F("iiw400_first30"), F("docci_test_iiw_sxs_first30"), F("locnar_eval_iiw_p5b_first20"), "--dataset", "spare-rules", "--json");
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(["job", "dataset", "captions", "pairs", "removed", "relations"]);
    expect(Object.keys(out.removed)).toEqual(["exact_duplicate", "near_duplicate", "reference", "inconsistent_answer", "clip_score", "not_spatial"]);
    expect(out).toMatchObject({ dataset: "spare-rules", captions: { in: 140, spatial: 140 }, pairs: { generated: 1209, kept: 1190, unparseable: 0 } });
    expect(out.pairs.kept + removedTotal(out)).toBe(out.pairs.generated);
    expect(Object.values(out.relations as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(out.pairs.kept);

    const again = await stepwise("spare", "run", "--captions", F("iiw400_first30"), F("docci_test_iiw_sxs_first30"), F("locnar_eval_iiw_p5b_first20"), "--dataset", "spare-rules", "--json");
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/resuming job/);
    expect(JSON.parse(again.stdout)).toEqual(out);
  });

  it("llm through the built-in endpoint over HTTP gives the rules' funnel", async () => {
    const before = server.stats.completions;
    const { code, stdout, stderr } = await stepwise("spare", "run", "--captions", F("locnar_eval_iiw_p5b_first20"), "--dataset", "spare-llm", "--endpoint", server.url, "--model", BUILTIN_MODEL, "--synthesizer", "llm", "--concurrency", "3", "--json");
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ captions: { in: 20, spatial: 20 }, pairs: { generated: 102, kept: 96, unparseable: 0 }, removed: { exact_duplicate: 6 } });
    expect(server.stats.completions - before).toBe(20 + 20 + 96);
  });

  it("records every stage per caption and per pair, and flags missing images", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spare-"));
    fs.writeFileSync(path.join(dir, "here.png"), Buffer.from("89504e470d0a1a0a", "hex"));
    const file = path.join(dir, "plain.jsonl");
    fs.writeFileSync(
      file,
      [
        { image: "here.png", caption: "A red cup sits on the wooden table next to a white plate." },
        { image: "gone.jpg", caption: "A cat sleeps under the chair." },
        { caption: "A bowl of ripe strawberries." },
      ].map((r) => JSON.stringify(r)).join("\n"),
    );
    const { code, stdout } = await stepwise("spare", "run", "--captions", file, "--dataset", "spare-stages", "--json");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.captions).toEqual({ in: 3, spatial: 2 });
    const captions = await db().spareCaption.findMany({ where: { jobId: out.job }, orderBy: { id: "asc" }, include: { pairs: { orderBy: { idx: "asc" } } } });
    expect(captions.map((c) => [c.imageStatus, c.spatial, c.stage])).toEqual([
      ["present", true, "done"],
      ["missing", true, "done"],
      ["none", false, "done"],
    ]);
    expect(captions[1].clipSkipped).toBe("no image-text embedding endpoint configured");
    expect(captions[2].classifierReason).toBe("rules: no spatial phrase");
    const pair = captions[0].pairs[0];
    expect(pair).toMatchObject({ relation: "on", relationClass: "topological", status: "kept" });
    expect(captions[0].text.slice(pair.spanStart!, pair.spanEnd!)).toBe("A red cup sits on the wooden table");
  });

  it("bad input: file:line:path errors, exit 2, nothing written", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spare-"));
    const file = path.join(dir, "bad.jsonl");
    fs.writeFileSync(file, `${JSON.stringify({ image: "a", caption: "A cup on a table." })}\n${JSON.stringify({ image: "b", caption: "" })}\n{oops\n`);
    const jobsBefore = await db().job.count();
    const { code, stdout, stderr } = await stepwise("spare", "run", "--captions", file, "--dataset", "spare-bad", "--json");
    expect(code).toBe(2);
    const error = JSON.parse(stdout).error;
    expect(error.details).toEqual([
      { file, line: 2, path: "$.caption", error: "empty caption" },
      { file, line: 3, path: "$", error: expect.stringMatching(/^not JSON/) },
    ]);
    expect(stderr).toContain(`${file}:2 $.caption: empty caption`);
    expect(await db().job.count()).toBe(jobsBefore);
    expect(await db().dataset.findUnique({ where: { name: "spare-bad" } })).toBeNull();

    expect((await stepwise("spare", "run", "--dataset", "x", "--json")).code).toBe(2);
    expect((await stepwise("spare", "run", "--captions", file, "--json")).code).toBe(2);
    expect((await stepwise("spare", "run", "--captions", path.join(dir, "nope.jsonl"), "--dataset", "x", "--json")).code).toBe(2);
    expect((await stepwise("spare", "run", "--captions", F("iiw400_first30"), "--dataset", "x", "--synthesizer", "magic", "--json")).code).toBe(2);
  }, 240_000); // five CLI processes: slow on a loaded machine

  it("a wrong endpoint fails before any job exists (exit 2)", async () => {
    const jobsBefore = await db().job.count();
    const { code, stdout } = await stepwise("spare", "run", "--captions", F("iiw400_first30"), "--dataset", "spare-wrong", "--endpoint", server.url, "--model", "no-such-model", "--json");
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error.message).toMatch(/no-such-model/);
    expect(await db().job.count()).toBe(jobsBefore);
  });

  it("Ctrl-C cancels; the same command resumes to the same funnel as an uninterrupted run", async () => {
    const args = ["spare", "run", "--captions", F("docci_test_iiw_sxs_first30"), "--dataset", "spare-cancel", "--endpoint", server.url, "--model", BUILTIN_MODEL, "--concurrency", "1", "--json"];
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/created job/.test(stderr) && !child.killed) setTimeout(() => child.kill("SIGINT"), 300);
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const resumed = await stepwise(...args);
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = JSON.parse(resumed.stdout);
    expect(out).toMatchObject({ captions: { in: 60, spatial: 60 }, pairs: { generated: 645, kept: 643 } });
    if (code !== 0) expect(resumed.stderr).toMatch(/resuming job/);
    const job = await db().job.findUniqueOrThrow({ where: { id: out.job } });
    expect(job.status).toBe("done");
    expect(await db().sparePair.count({ where: { jobId: out.job } })).toBe(645);
  });

  it("eval-import: What's Up and VSR become traces with relation classes; bad files exit 2 and write nothing", async () => {
    const vsr = await stepwise("spare", "eval-import", "--set", "vsr", "--file", F("vsr_random_test_first40"), "--dataset", "eval-vsr", "--json");
    expect(vsr.code, vsr.stderr).toBe(0);
    const out = JSON.parse(vsr.stdout);
    expect(out).toMatchObject({ dataset: "eval-vsr", set: "vsr", items: 40, traces: 40 });
    expect(out.labels.true + out.labels.false).toBe(40);
    expect(Object.values(out.metaCategories as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(40);
    const traces = await db().trace.findMany({ where: { dataset: { name: "eval-vsr" } }, include: { steps: true } });
    expect(traces).toHaveLength(40);
    expect(traces.every((t) => t.method === "eval:vsr" && (t.answer === "yes" || t.answer === "no") && t.steps.length === 1)).toBe(true);

    const whatsup = await stepwise("spare", "eval-import", "--set", "whatsup", "--file", path.resolve("fixtures/spare/whatsup_sample.json"), "--dataset", "eval-whatsup", "--json");
    expect(whatsup.code, whatsup.stderr).toBe(0);
    expect(JSON.parse(whatsup.stdout)).toMatchObject({ items: 5, traces: 5, classes: { topological: 1, projective: 4 } }); // "under" is projective (SpaRE: below)

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eval-"));
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, `${JSON.stringify({ image: "a.jpg", caption: "A cat on a mat.", label: 1, relation: "on" })}\n${JSON.stringify({ image: "b.jpg", caption: "A dog.", label: 2, relation: "near" })}\n`);
    const failed = await stepwise("spare", "eval-import", "--set", "vsr", "--file", bad, "--dataset", "eval-bad", "--json");
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout).error.details).toEqual([{ file: bad, line: 2, path: "$.label", error: "expected 1 or 0, got 2" }]);
    expect(await db().dataset.findUnique({ where: { name: "eval-bad" } })).toBeNull();
    expect((await stepwise("spare", "eval-import", "--set", "coco", "--file", bad, "--dataset", "x", "--json")).code).toBe(2);
  }, 240_000); // five CLI processes: slow on a loaded machine
});
