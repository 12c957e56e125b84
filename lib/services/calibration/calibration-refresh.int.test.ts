import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { calibrationQuery } from "@/lib/schemas/calibration";
import { getCalibration } from "@/lib/services/calibration/calibration";
import { scoredTraces } from "@/lib/services/verify/metrics";
import { paperMetrics } from "@/lib/verifier/metrics";
import { recordStepLabel, rerunStep } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";

// A reviewer's re-run re-verifies one trace in place; the run's calibration cache is patched for
// that trace instead of rebuilt. The patched cache must say exactly what a full rebuild says.

const query = calibrationQuery.parse({ dataset: "clevr-demo" });

beforeAll(async () => {
  await seedDemo({ force: true });
});

describe("calibration cache after a re-verified trace", () => {
  it("is patched in place and equals a full rebuild", async () => {
    // a relate call whose non-empty result the next call consumes: re-running it with the opposite
    // relation makes that next call use a set no step produced (cross.propagation fails)
    const calls = await db().step.findMany({ where: { kind: "tool_call", tool: "relate", trace: { dataset: { name: "clevr-demo" } } }, orderBy: { id: "asc" } });
    let call = calls[0];
    for (const candidate of calls) {
      const trace = await db().step.findMany({ where: { traceId: candidate.traceId }, orderBy: { index: "asc" } });
      const result = trace.find((s) => s.kind === "tool_result" && s.callId === candidate.callId);
      const next = trace.find((s) => s.index > candidate.index + 1 && s.kind === "tool_call");
      if (Array.isArray(result?.result) && result.result.length > 0 && JSON.stringify((next?.args as { objects?: unknown })?.objects) === JSON.stringify(result.result)) {
        call = candidate;
        break;
      }
    }
    const steps = await db().step.findMany({ where: { traceId: call.traceId }, orderBy: { index: "asc" } });
    for (const [i, step] of steps.entries()) await recordStepLabel(step.id, { label: i % 2 ? "accept" : "reject", expectedVersion: step.version, stopAtFirstError: false });
    const before = await getCalibration(query);
    const run = before.run!.id;
    const built = await db().calibrationRun.findUniqueOrThrow({ where: { runId: run } });
    const metricsBefore = (await db().verifierRun.findUniqueOrThrow({ where: { id: run } })).metrics;

    const fresh = await db().step.findUniqueOrThrow({ where: { id: call.id } });
    const args = fresh.args as { object: string; relation: string };
    await rerunStep(call.id, { expectedVersion: fresh.version, args: { ...args, relation: ({ left: "right", right: "left", front: "behind", behind: "front" } as Record<string, string>)[args.relation] } });

    const patched = await getCalibration(query);
    const after = await db().calibrationRun.findUniqueOrThrow({ where: { runId: run } });
    expect(after.builtAt).toEqual(built.builtAt); // not rebuilt
    expect(after.maxVerdictId).toBeGreaterThan(built.maxVerdictId);
    expect(patched).not.toEqual(before);

    await db().calibrationRun.delete({ where: { runId: run } });
    const rebuilt = await getCalibration(query);
    expect(patched).toEqual(rebuilt);

    // the run's stored metrics (datasets overview) follow the re-verified trace shortly after
    const expected = JSON.parse(JSON.stringify(paperMetrics(await scoredTraces(run))));
    expect(expected).not.toEqual(metricsBefore);
    await vi.waitFor(async () => expect((await db().verifierRun.findUniqueOrThrow({ where: { id: run } })).metrics).toEqual(expected), { timeout: 10_000, interval: 200 });
  });
});
