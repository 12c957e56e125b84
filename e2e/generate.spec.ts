import { expect, test } from "@playwright/test";

// /generate end to end against the built-in teacher the server starts on demand (no model): start
// a job from the form, watch it progress, cancel it, resume it to the end, open a generated trace
// in review. Every wait is on state (data attributes, the API), never on time.

test("generate: start on the built-in teacher, watch progress, cancel, resume, open a trace", async ({ page, request }) => {
  test.setTimeout(120_000);
  await page.goto("/generate");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Generate" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Generation jobs" }).or(page.getByText("No generation jobs yet"))).toBeVisible();

  const form = page.getByRole("form", { name: "New generation job" });
  await form.getByLabel("Questions of").selectOption("clevr-demo");
  await form.getByLabel("Write traces to dataset").selectOption("clevr-demo");
  await form.getByLabel("Only the first N questions").fill("4");
  await form.getByRole("radio", { name: /Built-in teacher/ }).check();
  await form.getByLabel("Reasoning faults").selectOption("none");
  // slow enough to cancel mid-job
  await form.getByLabel("Latency per request (ms)").fill("250");
  await form.getByRole("radio", { name: "direct" }).check();
  await form.getByLabel("Concurrency").fill("1");
  await form.getByRole("button", { name: "Start generation" }).click();

  await page.waitForURL(/\/generate\/\d+$/);
  const job = page.getByTestId("generation-job");
  const id = Number(await job.getAttribute("data-job-id"));
  await expect(job).toHaveAttribute("data-total", "4");
  // progress arrives while it runs
  await expect(job).toHaveAttribute("data-status", "running");
  await expect(job).not.toHaveAttribute("data-done", "0", { timeout: 30_000 });
  await expect(page.getByRole("progressbar", { name: `Generation job ${id} progress` })).toBeVisible();
  await expect(page.getByTestId("throughput-chart")).not.toHaveAttribute("data-points", "0");

  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(job).toHaveAttribute("data-status", "cancelled", { timeout: 30_000 });
  const afterCancel = Number(await job.getAttribute("data-done"));
  expect(afterCancel).toBeGreaterThan(0);
  expect(afterCancel).toBeLessThan(4);
  // a reload shows the same job from the server
  await page.reload();
  await expect(job).toHaveAttribute("data-status", "cancelled");

  await page.getByRole("button", { name: "Resume" }).click();
  await expect(job).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  await expect(job).toHaveAttribute("data-done", "4");
  await expect(job).toHaveAttribute("data-failed", "0");
  await expect(page.locator('[data-stat="tokens"] dd')).not.toHaveText("0");
  await expect(page.locator('[data-count="answer"]')).toContainText("4");

  // exactly one trace per question, and each opens in review
  const detail = await (await request.get(`/api/generation/${id}`)).json();
  expect(detail.traces).toHaveLength(4);
  expect(new Set(detail.traces.map((t: { externalId: string }) => t.externalId)).size).toBe(4);
  const traces = page.getByRole("region", { name: "Generated traces" }).locator("li[data-trace-id] a");
  await expect(traces).toHaveCount(4);
  await traces.first().click();
  await page.waitForURL(/\/traces\/\d+/);
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-ready", "true");

  // the job is listed on /generate
  await page.goto("/generate");
  await expect(page.locator(`li[data-job-id="${id}"]`)).toHaveAttribute("data-status", "done");
});
