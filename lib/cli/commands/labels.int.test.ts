import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordStepLabel } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), path.resolve("lib/cli/main.ts"), ...args], { encoding: "utf8", env: { ...process.env } });
}

let externalId = "";

beforeAll(async () => {
  await seedDemo({ force: true });
  const trace = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" } }, orderBy: { id: "asc" } });
  externalId = trace.externalId;
  const steps = await db().step.findMany({ where: { traceId: trace.id }, orderBy: { index: "asc" } });
  await recordStepLabel(steps[1].id, { label: "reject", expectedVersion: steps[1].version, comment: "wrong query", stopAtFirstError: false });
  await recordStepLabel(steps[0].id, { label: "accept", expectedVersion: steps[0].version, stopAtFirstError: false });
});

describe("stepwise labels export", () => {
  it("prints the current step labels in the step-labels shape, one JSON line each", () => {
    const run = cli("labels", "export", "--dataset", "clevr-demo");
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Object.keys(line).every((k) => ["trace", "step", "label", "reviewer", "comment", "time"].includes(k))).toBe(true);
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    expect(lines).toContainEqual({ trace: externalId, step: 1, label: "reject", reviewer: "local", comment: "wrong query", time: expect.any(String) });
    expect(lines).toContainEqual({ trace: externalId, step: 0, label: "accept", reviewer: "local", time: expect.any(String) });
    expect(run.stderr).toContain("2 step labels");
  });

  it("bad input exits 2 naming what is wrong", () => {
    const unknown = cli("labels", "export", "--dataset", "nope");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('dataset "nope" not found');
    const noAction = cli("labels", "--dataset", "clevr-demo");
    expect(noAction.status).toBe(2);
    expect(noAction.stderr).toContain("usage: stepwise labels export");
  });
});
