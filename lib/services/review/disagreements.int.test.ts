import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { recordStepLabel, undoLastAction } from "@/lib/services/review/reviews";
import { seedDemo } from "@/lib/services/system/seed";
import { runVerifier } from "@/lib/services/verify/verify";

// Trace.disagreements (lib/services/review/disagreements.ts) follows labels and runs both ways:
// the UPDATE writes only rows whose count changes, so a count must also go back to 0.

let traceId: number;
let passedStep: number;

const disagreements = async () => (await db().trace.findUniqueOrThrow({ where: { id: traceId }, select: { disagreements: true } })).disagreements;
const version = async () => (await db().step.findUniqueOrThrow({ where: { id: passedStep }, select: { version: true } })).version;
const label = async (value: "accept" | "reject") => recordStepLabel(passedStep, { label: value, expectedVersion: await version(), stopAtFirstError: false });

beforeAll(async () => {
  await seedDemo({ force: true });
  // a verified trace with a step its run passed and did not fail
  const traces = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" }, runId: { not: null } }, orderBy: { id: "asc" }, select: { id: true, runId: true } });
  for (const trace of traces) {
    const passes = await db().verdict.findMany({ where: { runId: trace.runId!, traceId: trace.id, outcome: "pass" }, select: { stepId: true } });
    for (const { stepId } of passes) {
      if ((await db().verdict.count({ where: { runId: trace.runId!, stepId, outcome: "fail" } })) > 0) continue;
      traceId = trace.id;
      passedStep = stepId;
      return;
    }
  }
  throw new Error("the demo has no verified trace with a passed step");
});

describe("Trace.disagreements", () => {
  it("counts a rejected step the run passed, and goes back to 0 on undo (no human label left) and on accept", async () => {
    expect(await disagreements()).toBe(0);
    await label("reject");
    expect(await disagreements()).toBe(1);
    await undoLastAction({ traceId });
    expect(await db().review.count({ where: { traceId, current: true, source: "human" } })).toBe(0);
    expect(await disagreements()).toBe(0);
    await label("reject");
    expect(await disagreements()).toBe(1);
    await label("accept");
    expect(await disagreements()).toBe(0);
  });

  it("a verifier run recounts the labelled traces, and sets a stale count on an unlabelled one back to 0", async () => {
    await label("reject");
    const stale = await db().trace.findFirstOrThrow({ where: { dataset: { name: "clevr-demo" }, id: { not: traceId }, reviews: { none: {} } }, select: { id: true } });
    await db().trace.update({ where: { id: stale.id }, data: { disagreements: 2 } });
    await runVerifier({ dataset: "clevr-demo" });
    expect(await disagreements()).toBe(1);
    const others = await db().trace.count({ where: { dataset: { name: "clevr-demo" }, disagreements: { not: 0 }, id: { not: traceId } } });
    expect(others).toBe(0);
    await label("accept");
    await runVerifier({ dataset: "clevr-demo" });
    expect(await disagreements()).toBe(0);
  });
});
