import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseClassValues, parseSplit } from "@/lib/cli/commands/export";
import { db } from "@/lib/db";
import { normalizeQuestion } from "@/lib/formats/export/split";
import { seedDemo } from "@/lib/services/system/seed";

// `stepwise export` in a child process (tsx) against this test file's own SQLite database.
function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const out = (name: string) => path.join(path.dirname(process.env.STEPWISE_DATA_DIR!), "cli-out", name);

let demoTraces = 0;
let demoDistinct = 0;

beforeAll(async () => {
  await seedDemo();
  // the demo has several generation methods per question: de-duplication keeps one per image + question
  const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, select: { imageId: true, question: true } });
  demoTraces = traces.length;
  demoDistinct = new Set(traces.map((t) => `${t.imageId}\u0000${normalizeQuestion(t.question)}`)).size;
});

describe("stepwise export", () => {
  it("--json prints exactly the contract; progress goes to stderr; the files are on disk", () => {
    const dir = out("sft");
    const { code, stdout, stderr } = stepwise("export", "--dataset", "clevr-demo", "--format", "trl-sft", "--out", dir, "--split", "train=0.6,validation=0.2,test=0.2", "--seed", "5", "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(Object.keys(result)).toEqual(["out", "files", "rows", "skipped"]);
    expect(result.out).toBe(dir);
    expect(result.rows).toBe(demoDistinct);
    expect(result.skipped).toEqual({ duplicate: demoTraces - demoDistinct });
    for (const file of result.files) {
      expect(Object.keys(file)).toEqual(["path", "rows", "sha256"]);
      expect(crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, file.path))).digest("hex")).toBe(file.sha256);
    }
    expect(stderr).toMatch(/\[100%\] Done/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).config.split).toEqual({ train: 0.6, validation: 0.2, test: 0.2 });
  });

  it("several datasets, filters and skipped reasons", async () => {
    const { code, stdout } = stepwise("export", "--dataset", "visprog-gqa", "--dataset", "clevr-demo", "--format", "kto", "--out", out("kto"), "--images", "reference", "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    // VisProg traces carry real human verdicts and the CLEVR demo its verifier run: every trace is
    // either a row or counted with the reason it was left out
    const total = await db().trace.count({ where: { dataset: { name: { in: ["visprog-gqa", "clevr-demo"] } } } });
    const left = Object.values(result.skipped as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(result.rows).toBeGreaterThan(0);
    expect(result.rows + left).toBe(total);
  });

  it("--preview counts without writing", () => {
    const { code, stdout } = stepwise("export", "--dataset", "clevr-demo", "--format", "trl-sft", "--preview", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).counts.rows).toBe(demoDistinct);
  });

  it("bad input exits 2 naming the flag; an occupied --out is left alone", () => {
    expect(stepwise("export", "--dataset", "clevr-demo", "--format", "csv", "--out", out("bad"), "--json").code).toBe(2);
    const missing = stepwise("export", "--format", "trl-sft", "--out", out("bad"), "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/--dataset/);
    const caps = stepwise("export", "--dataset", "clevr-demo", "--format", "trl-sft", "--out", out("bad"), "--relation-cap", "spooky=3", "--json");
    expect(JSON.parse(caps.stdout).error.message).toMatch(/unknown relation class "spooky"/);
    const busy = out("busy");
    fs.mkdirSync(busy, { recursive: true });
    fs.writeFileSync(path.join(busy, "mine.txt"), "x");
    const occupied = stepwise("export", "--dataset", "clevr-demo", "--format", "trl-sft", "--out", busy, "--json");
    expect(occupied.code).toBe(2);
    expect(fs.readdirSync(busy)).toEqual(["mine.txt"]);
    expect(stepwise("export", "--dataset", "nope", "--format", "trl-sft", "--out", out("nope"), "--json").code).toBe(2);
  });

  it("parses split and per-class flags", () => {
    expect(parseSplit("train=0.9,val=0.1")).toEqual({ train: 0.9, validation: 0.1, test: 0 });
    expect(parseClassValues("relation-cap", ["projective=10,metric=2", "none=0"])).toEqual({ projective: 10, metric: 2, none: 0 });
  });
});
