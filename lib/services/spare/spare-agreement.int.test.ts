import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { classifierAgreement, readLabelledCaptions } from "@/lib/services/spare/spare-agreement";
import { memoryLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// The pre-filter's agreement report over the hand-labelled set (110 captions): the rules against
// the labels, and the classifier prompt over real HTTP (the built-in endpoint) against the labels
// and against the rules.

const FILE = path.resolve("fixtures/spare/labelled_captions.jsonl");

let server: TeacherServer;
beforeAll(async () => {
  server = await startTeacherServer({ lookup: memoryLookup([]) });
});
afterAll(() => server.close());

describe("classifier agreement report", () => {
  it("rules and the LLM classifier over HTTP, each against the hand labels and against each other", async () => {
    const seen: number[] = [];
    const report = await classifierAgreement({ file: FILE, buffer: fs.readFileSync(FILE), chat: { baseUrl: server.url, model: BUILTIN_MODEL }, concurrency: 4, onProgress: (done) => seen.push(done) });
    expect(report.captions).toBe(110);
    expect(report.labels).toEqual({ spatial: 61, not_spatial: 49 });
    // the figures docs/spare.md reports
    expect(report.rules).toMatchObject({ n: 110, agree: 110, precision: 1, recall: 1, kappa: 1 });
    expect(report.llm).toMatchObject({ n: 110, agree: 110, model: BUILTIN_MODEL, unreadable: 0 });
    expect(report.llm_vs_rules).toMatchObject({ agree: 110, kappa: 1 });
    expect(report.disagreements).toEqual([]);
    expect(seen).toHaveLength(110);
  });

  it("disagreements name the line; without an endpoint only the rules are reported", async () => {
    const lines = [
      { caption: "A cup sits on the table next to a plate.", spatial: true },
      { caption: "They left early on Monday.", spatial: true }, // labelled wrong on purpose
      { caption: "A quiet morning.", spatial: false },
    ];
    const report = await classifierAgreement({ file: "mine.jsonl", buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join("\n")) });
    expect(report.llm).toBeNull();
    expect(report.llm_vs_rules).toBeNull();
    expect(report.rules).toMatchObject({ n: 3, agree: 2, truePositive: 1, falseNegative: 1, trueNegative: 1 });
    expect(report.disagreements).toEqual([{ line: 2, caption: "They left early on Monday.", label: true, rules: false, llm: null }]);
  });

  it("bad labelled files: every bad line as file:line:path, UTF-16 and empty files refused", () => {
    const bad = `{"caption": "ok", "spatial": true}\n{"caption": "", "spatial": true}\n{"caption": "x", "spatial": "maybe"}\n{oops\n{"spatial": false}\n`;
    let error: AppError | null = null;
    try {
      readLabelledCaptions("bad.jsonl", Buffer.from(bad));
    } catch (e) {
      error = e as AppError;
    }
    expect(error?.code).toBe("invalid_input");
    expect(error?.details).toEqual([
      { file: "bad.jsonl", line: 2, path: "$.caption", error: "expected a non-empty string" },
      { file: "bad.jsonl", line: 3, path: "$.spatial", error: 'expected true or false, got "maybe"' },
      { file: "bad.jsonl", line: 4, path: "$", error: expect.stringMatching(/^not JSON/) },
      { file: "bad.jsonl", line: 5, path: "$.caption", error: "missing" },
    ]);
    expect(() => readLabelledCaptions("u16.jsonl", Buffer.from('\uFEFF{"caption": "a", "spatial": true}', "utf16le"))).toThrow(/UTF-16/);
    expect(() => readLabelledCaptions("latin1.jsonl", Buffer.from('{"caption": "Un caf\u00e9 sur la table", "spatial": true}', "latin1"))).toThrow(/not valid UTF-8/);
    expect(() => readLabelledCaptions("empty.jsonl", Buffer.from("\n\n"))).toThrow(/no labelled captions/);
  });
});
