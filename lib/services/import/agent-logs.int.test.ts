import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { FORMATS } from "@/lib/formats/read";
import { imagesRoot } from "@/lib/services/import/image-store";
import { importFiles } from "@/lib/services/import/imports";

// The agent-log importers against a real SQLite file and data dir: each fixture imported next to
// the CLEVR scene it talks about, then verified by `stepwise verify` in a child process; bad input
// rejected whole, with file:line:path, and no image left behind; a file with no recognisable record
// is an error for every format.

const A = (p: string) => path.resolve("fixtures/agent-logs", p);
const CLEVR = path.resolve("prisma/demo/clevr");
const SCENES = path.join(CLEVR, "CLEVR_train_scenes_subset5.json");

function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function storedFiles(): string[] {
  const root = imagesRoot();
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function counts() {
  const prisma = db();
  const [datasets, images, traces, steps] = await Promise.all([prisma.dataset.count(), prisma.image.count(), prisma.trace.count(), prisma.step.count()]);
  return { datasets, images, traces, steps, files: storedFiles().length };
}

async function rejected(files: string[], dataset: string, options: { format?: (typeof FORMATS)[number] } = {}): Promise<AppError> {
  const before = await counts();
  const error = await importFiles({ files, dataset, images: [CLEVR], ...options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("invalid_input");
  expect(await counts()).toEqual(before);
  return error as AppError;
}

async function verdictsOf(externalId: string, dataset: string) {
  const trace = await db().trace.findFirstOrThrow({ where: { externalId, dataset: { name: dataset } }, include: { steps: { orderBy: { index: "asc" } } } });
  const rows = await db().verdict.findMany({ where: { traceId: trace.id, runId: trace.runId! }, include: { step: true } });
  return { trace, verdict: (index: number, rule: string) => rows.find((r) => r.step.index === index && r.rule === rule)?.outcome ?? null };
}

describe("agent logs imported next to their scene and verified", () => {
  const dataset = "agent-logs";
  let summary: Awaited<ReturnType<typeof importFiles>>;

  beforeAll(async () => {
    summary = await importFiles({
      files: [
        A("react-chat/clevr-781-sketchpad.json"),
        A("react-chat/wrapped-clevr-781.jsonl"),
        A("json-actions/cota-mantis-clevr-781.jsonl"),
        A("json-actions/cota-llava-clevr-781.json"),
        A("verifiers/clevr-781-eval/results.jsonl"),
        A("openai-agents/clevr-781-spans.jsonl"),
        SCENES,
      ],
      dataset,
      images: [CLEVR],
    });
  }, 60_000);

  it("imports every format; the inline image is the scene's own image (same bytes), so no new image", async () => {
    expect(summary.files?.map((f) => f.format)).toEqual(["clevr-scenes", "react-chat", "react-chat", "json-actions", "json-actions", "verifiers", "openai-agents"]);
    expect(summary.created).toMatchObject({ scenes: 5, traces: 1 + 2 + 3 + 2 + 5 + 2 });
    // the verifiers rollout with a 2×2 inline PNG adds the only image beyond the 5 scene images
    expect(summary.created.images).toBe(6);
    const sketchpad = await db().trace.findFirstOrThrow({ where: { format: "react-chat", dataset: { name: dataset }, question: "How many cylinders are left of the small gray cylinder?", externalId: { startsWith: "react-chat-" } }, include: { image: true, scene: true } });
    expect(sketchpad.image).toMatchObject({ name: "CLEVR_train_000781.png", width: 480, height: 320 });
    expect(sketchpad.scene?.name).toBe("CLEVR_train_000781.png");
    const inline = await db().image.findFirstOrThrow({ where: { dataset: { name: dataset }, width: 2 } });
    expect(inline.name).toMatch(/^[0-9a-f]{16}\.png$/);
    expect(fs.existsSync(path.join(process.env.STEPWISE_DATA_DIR!, inline.path!))).toBe(true);
  });

  it("`stepwise verify` re-executes the spatial registry's calls against the scene", async () => {
    const run = stepwise("verify", "--dataset", dataset, "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dataset, traces: 15 });

    // react-chat (Sketchpad shape): detect, relate, filter results re-execute to what the log says
    const sketchpad = await db().trace.findFirstOrThrow({ where: { externalId: { startsWith: "react-chat-" }, dataset: { name: dataset }, image: { name: "CLEVR_train_000781.png" } } });
    const s = await verdictsOf(sketchpad.externalId, dataset);
    for (const index of [2, 5, 8]) expect(s.verdict(index, "result.reexec"), `step ${index}`).toBe("pass");
    expect(s.verdict(1, "args.schema")).toBe("pass");
    expect(s.trace.steps[10]).toMatchObject({ kind: "tool_call", tool: "python", args: { argsRaw: "n = len(cylinders)\nprint(n)" } });

    // faults written into the fixtures are found: a wrong filter result, a detect that misses a sphere
    const wrapped = await verdictsOf("rc-781-0001", dataset);
    expect(wrapped.verdict(2, "result.reexec")).toBe("pass");
    expect(wrapped.verdict(5, "result.reexec")).toBe("fail");
    const llava = await verdictsOf("cota-llava-781-a", dataset);
    expect(llava.verdict(2, "result.reexec")).toBe("fail");

    // json-actions and openai-agents: their registry calls check out
    const cota = await verdictsOf("cota-781-0001", dataset);
    for (const index of [2, 5, 8]) expect(cota.verdict(index, "result.reexec")).toBe("pass");
    const agents = await verdictsOf("trace_0a81c2d4e5f60718293a4b5c6d7e8f90", dataset);
    for (const index of [2, 4, 7]) expect(agents.verdict(index, "result.reexec")).toBe("pass");
    expect(agents.verdict(9, "final.correct")).toBe("pass");

    // verifiers: the rollout that related "right" instead of "left" answers wrong
    const wrong = await db().trace.findFirstOrThrow({ where: { format: "verifiers", finalAnswer: "4", answer: "2", dataset: { name: dataset } } });
    const v = await verdictsOf(wrong.externalId, dataset);
    expect(v.verdict(1, "result.reexec")).toBe("pass");
    expect(v.verdict(3, "final.correct")).toBe("fail");
  }, 120_000);

  it("importing the same files again only finds duplicates", async () => {
    const again = await importFiles({ files: [A("react-chat/clevr-781-sketchpad.json"), A("verifiers/clevr-781-eval/results.jsonl"), A("openai-agents/clevr-781-spans.jsonl")], dataset, images: [CLEVR] });
    expect(again.created).toMatchObject({ traces: 0, steps: 0, images: 0 });
    expect(again.duplicates).toBe(1 + 5 + 2);
  });
});

describe("inline images", () => {
  it("a dry run stores no file; a real import stores each picture once, content-addressed", async () => {
    const before = storedFiles().length;
    const dry = await importFiles({ files: [A("react-chat/variations.jsonl")], dataset: "inline-dry", dryRun: true });
    expect(dry.created.images).toBe(3); // two question images + balloons.jpg (a name, not found)
    expect(storedFiles().length).toBe(before);
    const real = await importFiles({ files: [A("react-chat/variations.jsonl")], dataset: "inline-real" });
    expect(real.created.images).toBe(3);
    expect(real.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/variations\.jsonl:2: \$\[2\]\.content\[1\]\.image_url\.url: data: URI \(image\/png\) is not a PNG/), expect.stringMatching(/image "balloons\.jpg" not found/)]));
    const rows = await db().image.findMany({ where: { dataset: { name: "inline-real" }, path: { not: null } }, select: { name: true, sha256: true, path: true, width: true } });
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.path).toBe(path.join("images", row.sha256!.slice(0, 2), `${row.sha256}.png`));
  });

  it("skip-invalid keeps the good conversation and its image, reports the bad line", async () => {
    const file = A("react-chat/bad/image-then-bad-line.jsonl");
    const result = await importFiles({ files: [file], dataset: "inline-skip", skipInvalid: true });
    expect(result.created).toMatchObject({ traces: 1, images: 1 });
    expect(result.skipped).toEqual([{ file, line: 2, path: "$[1].content", error: expect.stringMatching(/^ACTION: cannot read the action/) }]);
  });
});

describe("bad agent logs: all-or-nothing, each error located", () => {
  it("an image already stored by pass 1 is removed when a later line fails", async () => {
    const file = A("react-chat/bad/image-then-bad-line.jsonl");
    const error = await rejected([file], "bad-inline");
    expect(error.details).toEqual([{ file, line: 2, path: "$[1].content", error: expect.stringMatching(/^ACTION: cannot read the action "This is not code/) }]);
  });

  const cases: Array<[string, string, Array<{ line: number; path: string; error: RegExp | string }>]> = [
    ["react-chat", "react-chat/bad/truncated.json", [{ line: 12, path: "$[2]", error: /^truncated JSON: the document ends inside \$\[2\]/ }]],
    ["react-chat", "react-chat/bad/wrong-types.jsonl", [{ line: 1, path: "$[1].content", error: /found 42$/ }, { line: 2, path: "$[1].role", error: /^unknown role "robot"/ }, { line: 3, path: "$.messages[0]", error: /^expected a message/ }]],
    ["react-chat", "react-chat/bad/latin1-line-2.jsonl", [{ line: 2, path: "$", error: "line is not valid UTF-8" }]],
    ["json-actions", "json-actions/bad/missing-fields.jsonl", [
      { line: 1, path: "$.conversation[1].content.actions[0].name", error: /name/ },
      { line: 2, path: "$.conversation[1].content.actions[0].arguments.answer", error: /^Terminate needs its "answer"/ },
      { line: 3, path: "$.conversation[1].content", error: /truncated/ },
      { line: 4, path: "$.conversation[1].content.actions", error: /^expected "actions"/ },
    ]],
    ["json-actions", "json-actions/bad/truncated.json", [{ line: 27, path: "$[1]", error: /^truncated JSON/ }]],
    ["verifiers", "verifiers/bad/wrong-types.jsonl", [{ line: 1, path: "$.prompt", error: /found 42$/ }, { line: 2, path: "$.completion", error: /^expected the completion/ }, { line: 3, path: "$.completion[0].tool_calls", error: /found "detect"$/ }, { line: 4, path: "$.completion[0]", error: /answers no call/ }]],
    ["verifiers", "verifiers/bad/truncated-line-2.jsonl", [{ line: 2, path: "$", error: /^truncated JSON/ }]],
    ["openai-agents", "openai-agents/bad/wrong-types.jsonl", [{ line: 2, path: "$.span_data.type", error: /found null$/ }, { line: 3, path: "$.span_data.type", error: /found \{"type":3\}$/ }, { line: 4, path: "$.span_data.name", error: "expected the function's name" }]],
    ["openai-agents", "openai-agents/bad/missing-fields.jsonl", [{ line: 1, path: "$.trace_id", error: /trace_id/ }, { line: 2, path: "$", error: /has no spans/ }, { line: 3, path: "$.object", error: /found "response"/ }, { line: 4, path: "$", error: /question/ }]],
  ];
  for (const [format, relative, expected] of cases) {
    it(`${relative}: nothing written, every problem named`, async () => {
      const file = A(relative);
      const error = await rejected([file], `bad-${format}-${path.basename(relative)}`);
      expect(error.details).toEqual(expected.map((e) => ({ file, line: e.line, path: e.path, error: typeof e.error === "string" ? e.error : expect.stringMatching(e.error) })));
      expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${expected[0].line} `));
    });
  }
});

describe("a file with no recognisable record is an error, never an empty success", () => {
  function tmp(name: string, content: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-none-")), name);
    fs.writeFileSync(file, content);
    return file;
  }

  it("--format react on a JSON chat log (the GPT-4o log case): named, with what a react record is", async () => {
    const file = A("react-chat/clevr-781-sketchpad.json");
    const error = await rejected([file], "none-react", { format: "react" });
    expect(error.details).toEqual([{ file, line: 1, path: "$", error: expect.stringMatching(/^no record recognised as react \(expected ReAct text logs \(Question \/ Thought \/ Action/) }]);
    expect(error.message).toMatch(/clevr-781-sketchpad\.json:1 \$: no record recognised as react/);
  });

  it("for every format: a file of blank lines fails naming the file", async () => {
    const file = tmp("blank.txt", "\n\n  \n");
    for (const format of FORMATS) {
      const error = await rejected([file], `none-${format}`, { format });
      expect(error.details[0], format).toMatchObject({ file, line: expect.any(Number), path: expect.any(String) });
      expect(error.message, format).toContain(file);
    }
  });

  it("auto-detection that recognises nothing names the formats it tried", async () => {
    const file = tmp("notes.json", '{"hello": "world"}\n');
    const error = await rejected([file], "none-detect");
    expect(error.details).toEqual([{ file, line: 1, path: "$", error: `unrecognised format: tried ${["canonical", "step-labels", "scene-graph", "openai-agents", "verifiers", "json-actions", "react-chat"].join(", ")}, ${["clevr-masks", "coco", "clevr-scenes", "clevr-questions", "openai-chat", "prm800k", "visprog", "boxes", "react"].join(", ")}` }]);
  });

  it("the CLI exits 2 and says which file and what was expected", () => {
    const file = A("react-chat/clevr-781-sketchpad.json");
    const result = stepwise("import", file, "--dataset", "none-cli", "--format", "react", "--json");
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout);
    expect(body.error).toMatchObject({ code: "invalid_input", details: [{ file, line: 1, path: "$", error: expect.stringMatching(/^no record recognised as react/) }] });
  });
});
