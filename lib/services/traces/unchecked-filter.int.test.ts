import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { traceFilters } from "@/lib/schemas/trace-list";
import { getDatasetMetrics } from "@/lib/services/verify/metrics";
import { seedDemo } from "@/lib/services/system/seed";
import { listTraces, nextInQueue } from "@/lib/services/traces/trace-list";

// Coverage in the trace list, the review queue and the metrics (docs/design.md §5 Coverage), on the
// verified demo in a real SQLite file.

beforeAll(async () => {
  await seedDemo();
});

describe("unchecked steps: trace list filter, queue priority, metrics", () => {
  it("the trace list filters traces with and without unchecked steps (Trace.uncheckedSteps of the latest run)", async () => {
    const all = await listTraces(traceFilters.parse({ dataset: "clevr-demo" }));
    const some = await listTraces(traceFilters.parse({ dataset: "clevr-demo", unchecked: "true" }));
    const none = await listTraces(traceFilters.parse({ dataset: "clevr-demo", unchecked: "false" }));
    expect(some.total + none.total).toBe(all.total);
    const counts = await db().trace.findMany({ where: { dataset: { name: "clevr-demo" } }, select: { uncheckedSteps: true } });
    expect(some.total).toBe(counts.filter((t) => (t.uncheckedSteps ?? 0) > 0).length);
    expect(some.total).toBeGreaterThan(0);
    expect(() => traceFilters.parse({ unchecked: "yes" })).toThrow();
  });

  it("prefer=unchecked: after disagreements, the open trace with the most unchecked steps, and the reason says so", async () => {
    const plain = await nextInQueue({ dataset: "clevr-demo", user: "queue-a" });
    expect(plain.reason).not.toMatch(/could not check/);
    const pick = await nextInQueue({ dataset: "clevr-demo", user: "queue-a", prefer: "unchecked" });
    const most = await db().trace.findFirst({ where: { dataset: { name: "clevr-demo" }, disagreements: 0 }, orderBy: [{ uncheckedSteps: "desc" }, { id: "asc" }], select: { id: true, uncheckedSteps: true } });
    expect(pick.traceId).toBe(most!.id);
    expect(pick.reason).toBe(`${most!.uncheckedSteps} step${most!.uncheckedSteps === 1 ? "" : "s"} the verifier could not check (unchecked steps first)`);
  });

  it("the metrics carry the run's coverage per kind, the reasons and the traces with unchecked steps", async () => {
    const metrics = await getDatasetMetrics({ dataset: "clevr-demo" });
    const coverage = metrics.coverage!;
    expect(coverage.kinds.plan.unchecked).toBeGreaterThan(0);
    expect(coverage.reasons.find((r) => r.kind === "plan")).toMatchObject({ reason: "no rule checks plan steps" });
    const some = await listTraces(traceFilters.parse({ dataset: "clevr-demo", unchecked: "true" }));
    expect(coverage.tracesWithUnchecked).toBe(some.total);
  });
});
