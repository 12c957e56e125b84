import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The real CLI in a child process (tsx), against this test file's own SQLite database.
function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], {
    encoding: "utf8",
    env: { ...process.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("stepwise CLI", () => {
  it("--help lists the commands and exits 0", () => {
    const { code, stdout } = stepwise("--help");
    expect(code).toBe(0);
    for (const command of ["doctor", "datasets", "import", "seed-demo"]) expect(stdout).toContain(command);
  });

  it("doctor --json reports every check", () => {
    const { stdout } = stepwise("doctor", "--json");
    const report = JSON.parse(stdout);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(["node", "database", "migrations", "recovery", "images dir", "chromium (tests)"]);
    expect(report.checks.find((c: { name: string }) => c.name === "migrations").ok).toBe(true);
    expect(report.dialect).toBe(process.env.STEPWISE_TEST_PG === "1" ? "postgres" : "sqlite");
    expect(report.checks.find((c: { name: string }) => c.name === "database")).toMatchObject({ ok: true, detail: expect.stringMatching(process.env.STEPWISE_TEST_PG === "1" ? /^PostgreSQL \d+/ : /^SQLite /) });
  });

  it("import of a malformed line exits 2 naming file, line and field, and writes nothing", () => {
    const file = path.resolve("fixtures/canonical/malformed-line-2.jsonl");
    const { code, stdout, stderr } = stepwise("import", file, "--dataset", "bad", "--json");
    expect(code).toBe(2);
    const body = JSON.parse(stdout);
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.details[0]).toMatchObject({ file, line: 2, path: "$.steps[1].kind" });
    expect(stderr).toContain(`${file}:2 $.steps[1].kind`);
    const datasets = JSON.parse(stepwise("datasets", "--json").stdout);
    expect(datasets.find((d: { name: string }) => d.name === "bad")).toBeUndefined();
  });

  it("import --json prints the summary contract; datasets --json has the counts", () => {
    const file = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");
    const { code, stdout } = stepwise("import", file, "--dataset", "cli-import", "--images", path.resolve("prisma/demo/clevr"), "--json");
    expect(code).toBe(0);
    // verify on import is on by default; the traces' scene is not in the dataset: a warning with the count
    expect(JSON.parse(stdout)).toEqual({
      dataset: "cli-import",
      created: { images: 1, scenes: 0, questions: 2, traces: 2, steps: 16, boxes: 0 },
      duplicates: 0,
      skipped: [],
      warnings: [expect.stringMatching(/^2 of 2 traces cannot be verified against a scene/)],
      unverifiable: 2,
      verification: { run: expect.any(Number), config: expect.any(Number), traces: 2, validRatio: expect.any(Number), avgQuality: expect.any(Number) },
    });
    const datasets = JSON.parse(stepwise("datasets", "--json").stdout);
    expect(datasets.find((d: { name: string }) => d.name === "cli-import")).toMatchObject({ images: 1, traces: 2, steps: 16 });
  });

  it("unknown commands and options are invalid input (exit 2)", () => {
    expect(stepwise("frobnicate").code).toBe(2);
    expect(stepwise("datasets", "--nope").code).toBe(2);
  });
});
