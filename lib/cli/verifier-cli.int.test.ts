import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// The verifier's CLI contract (issue #4) through the real CLI in a child process, on this test
// file's own SQLite database.
function stepwise(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("stepwise verify / verdicts / metrics", () => {
  beforeAll(() => {
    const demo = path.resolve("prisma/demo/clevr");
    expect(stepwise("import", path.join(demo, "CLEVR_train_scenes_subset5.json"), "--dataset", "cli-verify", "--images", demo).code).toBe(0);
    expect(stepwise("import", path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl"), "--dataset", "cli-verify", "--images", demo).code).toBe(0);
  });

  it("verify --json prints the run contract", () => {
    const { code, stdout, stderr } = stepwise("verify", "--dataset", "cli-verify", "--json");
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run).toMatchObject({ run: expect.any(Number), config: 1, traces: 2, steps: 16, seconds: expect.any(Number), stepsPerSecond: expect.any(Number) });
    expect(run.metrics.overall).toMatchObject({ method: "all", traces: 2 });
    expect(Object.keys(run.metrics.overall).sort()).toEqual(["avgQuality", "method", "qualityVariance", "stepCompleteness", "toolCallAccuracy", "traces", "validRatio"]);
    expect(stderr).toContain("verified 2 / 2 traces");
  });

  it("verify --json reports coverage per step kind; every step is counted once", () => {
    const run = JSON.parse(stepwise("verify", "--dataset", "cli-verify", "--json").stdout);
    expect(run.coverage).toBeTypeOf("object");
    let total = 0;
    for (const [kind, row] of Object.entries(run.coverage as Record<string, { checked: number; unchecked: number }>)) {
      expect(["plan", "reasoning", "tool_call", "tool_result", "answer"]).toContain(kind);
      expect(Object.keys(row).sort()).toEqual(["checked", "unchecked"]);
      total += row.checked + row.unchecked;
    }
    expect(total).toBe(16);
    expect(Object.values(run.unchecked as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(Object.values(run.coverage as Record<string, { unchecked: number }>).reduce((a, r) => a + r.unchecked, 0));
  });

  it("agent logs: calls to the agent's own tools (python included) are unchecked, not invalid", () => {
    const logs = path.resolve("fixtures/agent-logs");
    for (const [format, file] of [["react-chat", "react-chat/clevr-781-sketchpad.json"], ["json-actions", "json-actions/cota-mantis-clevr-781.jsonl"], ["openai-agents", "openai-agents/clevr-781-spans.jsonl"]]) {
      const imported = stepwise("import", path.join(logs, file), "--dataset", `cli-agent-${format}`, "--format", format, "--images", path.resolve("prisma/demo/clevr"));
      expect(imported.code, imported.stderr).toBe(0);
      const run = JSON.parse(stepwise("verify", "--dataset", `cli-agent-${format}`, "--json").stdout);
      const lines = stepwise("verdicts", "--dataset", `cli-agent-${format}`, "--format", "jsonl").stdout.trim().split("\n").map((l) => JSON.parse(l));
      const schema = lines.filter((l) => l.kind === "tool_call").map((l) => l.rules.find((r: { id: string }) => r.id === "args.schema"));
      expect(schema.length, format).toBeGreaterThan(0);
      for (const verdict of schema) {
        expect(verdict.outcome === "skip" ? verdict.message : "tool in the registry", format).toMatch(/tool (not )?in the registry/);
        expect(verdict.message ?? "", format).not.toMatch(/unknown tool/);
      }
      if (schema.some((v) => v.outcome === "skip")) expect(run.unchecked["tool not in the registry"], format).toBeGreaterThan(0);
    }
    // nine CLI processes in a row: minutes on a loaded 2-core machine
  }, 300_000);

  it("verdicts --format jsonl: one line per step with the rule verdicts", () => {
    const { code, stdout } = stepwise("verdicts", "--dataset", "cli-verify", "--format", "jsonl");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(16);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(["trace", "step", "kind", "outcome", "rules"]);
      expect(["pass", "fail", "skip"]).toContain(line.outcome);
      expect(line.outcome === "fail").toBe(line.rules.some((r: { outcome: string }) => r.outcome === "fail"));
    }
    expect(lines[0]).toMatchObject({ trace: expect.any(String), step: 0 });
    expect(lines.find((l) => l.kind === "tool_result").rules.map((r: { id: string }) => r.id)).toContain("result.reexec");
  });

  it("metrics --by method --ablation --json", () => {
    const { code, stdout } = stepwise("metrics", "--dataset", "cli-verify", "--by", "method", "--ablation", "--json");
    expect(code).toBe(0);
    const metrics = JSON.parse(stdout);
    expect(metrics).toMatchObject({ dataset: "cli-verify", config: 1, overall: { traces: 2 } });
    expect(metrics.byMethod.map((m: { method: string }) => m.method)).toEqual(["direct"]);
    expect(metrics.ablation.map((a: { variant: string }) => a.variant)).toEqual(["full", "no step-level checks", "no cross-step checks", "no quality filtering"]);
    const human = stepwise("metrics", "--dataset", "cli-verify", "--ablation");
    expect(human.stdout).toContain("Δ quality");
  });

  it("bad input exits 2, and so does a dataset or config that does not exist (not_found body)", () => {
    expect(stepwise("verify", "--json").code).toBe(2);
    expect(stepwise("verify", "--dataset", "cli-verify", "--config", "abc").code).toBe(2);
    expect(stepwise("verdicts", "--dataset", "cli-verify", "--format", "csv").code).toBe(2);
    const missing = stepwise("verify", "--dataset", "nope", "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: "not_found", message: 'dataset "nope" not found' });
    expect(stepwise("verify", "--dataset", "cli-verify", "--config", "7", "--json").code).toBe(2);
  });
});
