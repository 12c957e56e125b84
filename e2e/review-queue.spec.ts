import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { openTrace, uploadFiles } from "./helpers";
import { stateFile } from "./users";

// The review queue and `f` as a reviewer meets them: f after a, imported verdicts that are not
// review, a reason that follows a verifier run, and a disabled Next trace that says why.

interface Detail {
  id: number;
  version: number;
  steps: Array<{ id: number; index: number }>;
  verification: { steps: Record<string, { outcome: string }> } | null;
  reviews: Array<{ user: string }>;
}
const detail = async (request: APIRequestContext, id: number): Promise<Detail> => (await request.get(`/api/traces/${id}`)).json();

test("f after a: when a moves onto a failing, unlabelled step, f stays on it and the next label lands there", async ({ page, request }) => {
  const items: Array<{ id: number }> = (await (await request.get("/api/traces?dataset=clevr-demo&valid=false&limit=100")).json()).items;
  // a trace with a failing step k ≥ 1: from step k − 1, `a` moves onto it
  let target: { trace: Detail; k: number } | null = null;
  for (const item of items.slice().reverse()) {
    const trace = await detail(request, item.id);
    const k = trace.steps.find((s) => s.index >= 1 && trace.verification?.steps[s.id]?.outcome === "fail")?.index;
    if (k !== undefined) {
      target = { trace, k };
      break;
    }
  }
  expect(target, "the demo has a trace failing at a step after the first").not.toBeNull();
  const { trace, k } = target!;

  await page.goto(`/traces/${trace.id}?step=${k - 1}`);
  const workspace = page.getByTestId("review-workspace");
  await expect(workspace).toHaveAttribute("data-ready", "true");
  await expect(workspace).toHaveAttribute("data-current-step", String(k - 1));
  await page.keyboard.press("a");
  await expect(workspace).toHaveAttribute("data-current-step", String(k));
  await page.keyboard.press("f");
  await expect(workspace).toHaveAttribute("data-current-step", String(k)); // not skipped
  await page.keyboard.press("r");
  const steps = page.locator("li[data-step-index]");
  await expect(steps.nth(k)).toHaveAttribute("data-label", "rejected");
  await expect(steps.nth(k - 1)).toHaveAttribute("data-label", "accepted");
  // the server has exactly these two labels of ours
  await expect.poll(async () => (await (await request.get(`/api/traces/${trace.id}`)).json()).reviews.filter((r: { stepId: number | null; user: string }) => r.stepId !== null && r.user === "local").length).toBe(2);
});

test("imported verdicts are not review: a VisProg trace's queue offers the next trace and counts 0 reviewed", async ({ page, request }) => {
  const [first] = (await (await request.get("/api/traces?dataset=visprog-gqa&limit=1")).json()).items as Array<{ id: number; decision: string | null }>;
  expect(first.decision).not.toBeNull(); // VisProg ships a verdict per trace
  await openTrace(page, first.id);
  const bar = page.getByTestId("queue-bar");
  await expect(bar).toContainText("Reviewed 0 of 100");
  await expect(page.getByRole("button", { name: "Next trace" })).toBeEnabled();
  await expect(page.getByTestId("queue-empty")).toHaveCount(0);
});

test("the queue's reason follows a verifier run, and a disabled Next trace says why", async ({ page, request, playwright }) => {
  const dataset = "e2e-queue";
  const trace = (id: string) => ({
    schema: "stepwise.trace/v1", id, image: "CLEVR_train_000781.png", question: "How many yellow spheres are there?", answer: "1", method: "direct",
    steps: [
      { kind: "tool_call", id: "c1", tool: "detect", args: { query: "yellow sphere" } },
      { kind: "tool_result", call: "c1", output: [{ id: "obj_9", label: "sphere", box: [113, 96, 48, 48] }] },
      { kind: "answer", text: "1" },
    ],
  });
  await uploadFiles(request, dataset, [
    { name: "CLEVR_train_scenes_subset5.json", mimeType: "application/json", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_scenes_subset5.json")) },
    { name: "CLEVR_train_000781.png", mimeType: "image/png", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_000781.png")) },
  ]);
  await uploadFiles(request, dataset, [{ name: "queue.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(`${JSON.stringify(trace("q1"))}\n${JSON.stringify(trace("q2"))}\n`) }], { verify: false });
  const [a, b] = (await (await request.get(`/api/traces?dataset=${dataset}`)).json()).items as Array<{ id: number }>;

  await openTrace(page, a.id);
  const reason = page.getByTestId("queue-reason");
  await expect(reason).toHaveText("next: not verified yet: no verifier run on this dataset, so traces come in import order");
  await page.getByRole("button", { name: "Verify this dataset now" }).click();
  await expect(page.getByTestId("verification-summary")).toHaveAttribute("data-verified", "true");
  // the queue is asked again after the run: the reason now talks about quality
  await expect(reason).toHaveText(/^next: quality \d\.\d\d/);

  // another reviewer decides b: a is the last open trace, so Next is disabled and says so
  const version = (await detail(request, b.id)).version;
  // (signed in as alice: the reviewer of a decision is who is signed in, never a body field — docs/design.md §13)
  const colleague = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL, storageState: stateFile("alice") });
  const decided = await colleague.post(`/api/traces/${b.id}/decision`, { data: { decision: "accept", expectedVersion: version } });
  expect(decided.status(), await decided.text()).toBe(200);
  expect((await detail(request, b.id)).reviews.some((r) => r.user === "alice")).toBe(true);
  await colleague.dispose();
  await page.reload();
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-ready", "true");
  const next = page.getByRole("button", { name: "Next trace" });
  await expect(next).toBeDisabled();
  await expect(page.getByTestId("queue-empty")).toHaveText("No other trace is waiting: this is the last one left to review.");
  await expect(next).toHaveAccessibleDescription("No other trace is waiting: this is the last one left to review.");
  await expect(page.getByTestId("queue-bar")).toContainText("Reviewed 1 of 2");
});
