import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandContext } from "@/lib/cli/command";
import generate, { type GenerateSummary } from "@/lib/cli/commands/generate";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { importFiles } from "@/lib/services/import/imports";
import { runVerifier } from "@/lib/services/verify/verify";

// `stepwise generate`: real scene files in, real JSONL out, imported and verified in this test
// file's own SQLite database. The command runs in process (its contract is its run function);
// one child process checks the CLI wiring and exit code.

const SCENES = path.resolve("prisma/demo/clevr/CLEVR_train_scenes_subset5.json");
const IMAGES = path.resolve("prisma/demo/clevr");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-generate-"));

async function run(values: CommandContext["values"]): Promise<GenerateSummary> {
  return (await generate.run({ values, positionals: [], json: true, progress: () => undefined })) as GenerateSummary;
}

describe("stepwise generate", () => {
  it("writes canonical traces with their injected faults, byte-identical for the same options, that import and verify", async () => {
    const dir = tmp();
    const a = await run({ scenes: SCENES, out: path.join(dir, "a.jsonl"), seeds: "1,2", "questions-per-scene": "2", faults: "oracle" });
    const b = await run({ scenes: SCENES, out: path.join(dir, "b.jsonl"), seeds: "1,2", "questions-per-scene": "2", faults: "oracle" });
    expect(fs.readFileSync(a.out)).toEqual(fs.readFileSync(b.out));
    expect(a).toMatchObject({ scenes: 5, questions: 10, traces: 60, methods: ["direct", "final-answer", "step-level"] });

    const lines = fs.readFileSync(a.out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(60);
    expect(lines.reduce((n, t) => n + t.steps.length, 0)).toBe(a.steps);
    expect(lines.every((t) => t.schema === "stepwise.trace/v1")).toBe(true);
    const injected = lines.flatMap((t) => (t.meta?.faults ?? []) as Array<{ type: string }>);
    const counted = Object.values(a.faults).reduce((n, c) => n + c, 0);
    expect(counted).toBeGreaterThan(0);
    expect(injected).toHaveLength(counted);

    const summary = await importFiles({ files: [SCENES, a.out], dataset: "generated", imagesDir: IMAGES });
    expect(summary.created).toMatchObject({ scenes: 5, traces: 60, steps: a.steps });
    const verified = await runVerifier({ dataset: "generated" });
    expect(verified.traces).toBe(60);
    // the faults are there to be found: the direct method leaves some traces invalid
    const invalidDirect = await db().trace.count({ where: { dataset: { name: "generated" }, method: "direct", valid: false } });
    expect(invalidDirect).toBeGreaterThan(0);
  });

  it("no faults gives traces the verifier passes whole", async () => {
    const dir = tmp();
    const clean = await run({ scenes: SCENES, out: path.join(dir, "clean.jsonl"), faults: "none", methods: "direct" });
    expect(clean.faults).toEqual({});
    await importFiles({ files: [SCENES, clean.out], dataset: "generated-clean", imagesDir: IMAGES });
    await runVerifier({ dataset: "generated-clean" });
    expect(await db().trace.count({ where: { dataset: { name: "generated-clean" }, valid: false } })).toBe(0);
    expect(await db().trace.count({ where: { dataset: { name: "generated-clean" } } })).toBe(clean.traces);
  });

  it("bad input names the file, line and field, and writes nothing", async () => {
    const dir = tmp();
    const out = path.join(dir, "never.jsonl");
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ info: {}, scenes: [{ image_index: 0, image_filename: "a.png", objects: [{ color: "red", size: "large", shape: "cube" }], relationships: {} }] }, null, 2));
    const error = (await run({ scenes: bad, out }).catch((e: unknown) => e)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("invalid_input");
    // the scene object opens on line 4 of the pretty-printed file
    expect(error.details).toEqual([{ file: bad, line: 4, path: "$.scenes[0].objects[0].material", error: expect.stringContaining("expected string") }]);

    const notJson = path.join(dir, "scenes.json");
    fs.writeFileSync(notJson, "{ truncated");
    await expect(run({ scenes: notJson, out })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining(`${notJson}: not JSON`) });
    await expect(run({ scenes: SCENES, out, methods: "direct,greedy" })).rejects.toMatchObject({ message: expect.stringContaining("--methods") });
    await expect(run({ scenes: SCENES, out, faults: "1.5" })).rejects.toMatchObject({ message: expect.stringContaining("--faults") });
    await expect(run({ scenes: SCENES, out, "questions-per-scene": "0" })).rejects.toMatchObject({ message: expect.stringContaining("--questions-per-scene") });
    await expect(run({ scenes: SCENES, out, seeds: "1,,2" })).rejects.toMatchObject({ message: expect.stringContaining("--seeds") });
    expect(fs.existsSync(out)).toBe(false);
    // a directory in the way: a clear error and no temporary file left behind
    await expect(run({ scenes: SCENES, out: dir, methods: "direct", "questions-per-scene": "1" })).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("cannot write") });
    expect(fs.readdirSync(path.dirname(dir)).filter((f) => f.startsWith(path.basename(dir)) && f.endsWith(".tmp"))).toEqual([]);
  });

  it("the CLI prints only JSON on stdout with --json and exits 2 on bad input", () => {
    const dir = tmp();
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), "generate", ...args], { encoding: "utf8", env: { ...process.env } });
    const ok = cli("--scenes", SCENES, "--out", path.join(dir, "t.jsonl"), "--methods", "direct", "--questions-per-scene", "1", "--json");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ traces: 5, scenes: 5 });
    const bad = cli("--scenes", path.join(dir, "missing.json"), "--out", path.join(dir, "u.jsonl"), "--json");
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toContain("missing.json: cannot read");
  });
});
