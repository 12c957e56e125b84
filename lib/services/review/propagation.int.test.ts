import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { rerunStep } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
import { runVerifier } from "@/lib/services/verify/verify";

// Re-runs propagate: after a call is edited and re-run, every later step is verified against the
// current revision of every earlier result. A later `count` that still uses the ids the old result
// produced — even when an old reasoning step still names them — is flagged.

beforeAll(async () => {
  await seedDemo({ force: true });
});

async function verdict(runId: number, stepId: number, rule: string) {
  return (await db().verdict.findFirst({ where: { runId, stepId, rule }, select: { outcome: true } }))?.outcome ?? null;
}

describe("re-run propagation", () => {
  it("editing a detect and re-running it fails a later count that used the old ids, although a reasoning step restates them", async () => {
    // every demo trace shaped detect → reasoning naming the ids → count(those ids), verified clean
    const candidates = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" }, valid: true }, select: { id: true, runId: true }, orderBy: { id: "asc" } });
    let checked = 0;
    const flipped: number[] = [];
    for (const trace of candidates) {
      const steps = await db().step.findMany({ where: { traceId: trace.id }, orderBy: { index: "asc" } });
      const detect = steps.find((s) => s.kind === "tool_call" && s.tool === "detect");
      const count = steps.find((s) => s.kind === "tool_call" && s.tool === "count" && detect && s.index > detect.index);
      if (!detect || !count || !trace.runId) continue;
      const between = steps.filter((s) => s.index > detect.index && s.index < count.index);
      if (between.some((s) => s.kind === "tool_call") || !between.some((s) => s.kind === "reasoning" && /obj_\d/.test(s.text ?? ""))) continue;
      const used = (count.args as { objects: string[] }).objects;
      if (used.length === 0) continue;
      expect(await verdict(trace.runId, count.id, "cross.propagation")).toBe("pass");
      // re-run the detect with colours until its result shares no id with what the count used
      let disjoint = false;
      for (const colour of ["gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"]) {
        const current = await db().step.findUniqueOrThrow({ where: { id: detect.id } });
        await rerunStep(detect.id, { expectedVersion: current.version, args: { query: colour } });
        const result = await db().step.findFirstOrThrow({ where: { traceId: trace.id, kind: "tool_result", callId: detect.callId } });
        const ids = (result.result as Array<{ id: string }>).map((o) => o.id);
        if (ids.length > 0 && !ids.some((id) => used.includes(id))) {
          disjoint = true;
          break;
        }
      }
      if (!disjoint) continue;
      const after = await db().trace.findUniqueOrThrow({ where: { id: trace.id }, select: { runId: true, valid: true, failingRules: true } });
      expect(await verdict(after.runId!, count.id, "cross.propagation"), `trace ${trace.id}`).toBe("fail");
      expect(after.valid).toBe(false);
      expect(after.failingRules).toContain(",cross.propagation,");
      flipped.push(count.id);
      checked++;
      if (checked === 3) break;
    }
    expect(checked).toBeGreaterThan(0);
    // a full verifier run afterwards reads the same revisions and agrees
    const run = await runVerifier({ dataset: "clevr-demo" });
    for (const stepId of flipped) expect(await verdict(run.run, stepId, "cross.propagation")).toBe("fail");
  });
});
