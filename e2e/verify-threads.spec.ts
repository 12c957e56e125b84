import { expect, test } from "@playwright/test";

// Verification across cores in the built server (docs/design.md §14): POST /api/runs with two
// threads starts the worker_threads pool from the Next.js build (its entry is found under the
// app's lib/verifier) and gives exactly what one thread gives.

test("a verifier run on two threads in the built server reports two threads and the one-thread figures", async ({ request }) => {
  const post = async (threads: number) => {
    const response = await request.post("/api/runs", { data: { dataset: "photos-demo", threads } });
    expect(response.status(), await response.text()).toBe(201);
    return (await response.json()) as { run: number; threads: number; traces: number; steps: number; verdicts: number; metrics: unknown; coverage: unknown; unchecked: unknown };
  };
  const one = await post(1);
  const two = await post(2);
  expect(one.threads).toBe(1);
  expect(two.threads).toBe(2);
  expect(two.traces).toBeGreaterThan(0);
  expect({ traces: two.traces, steps: two.steps, verdicts: two.verdicts, metrics: two.metrics, coverage: two.coverage, unchecked: two.unchecked }).toEqual({
    traces: one.traces,
    steps: one.steps,
    verdicts: one.verdicts,
    metrics: one.metrics,
    coverage: one.coverage,
    unchecked: one.unchecked,
  });
  const bad = await request.post("/api/runs", { data: { dataset: "photos-demo", threads: 0 } });
  expect(bad.status()).toBe(400);
});
