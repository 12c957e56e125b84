import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Browser } from "@playwright/test";
import { openTrace, uploadFiles } from "./helpers";
import { stateFile, type E2EUser } from "./users";

// Several reviewers per trace with three signed-in users (docs/design.md §13): overlap 2 and blind
// mode set by the admin; alice and bob label the same trace in their own browsers without seeing
// each other; a third reviewer (the admin) finds both slots taken; the disagreement appears in
// adjudication; the admin's decision becomes the gold label and calibration uses it; the
// agreement dashboard shows the pair.

const DATASET = "e2e-team";

const trace = {
  schema: "stepwise.trace/v1", id: "team-1", image: "CLEVR_train_000781.png", question: "How many yellow spheres are there?", answer: "1", method: "direct",
  steps: [
    { kind: "tool_call", id: "c1", tool: "detect", args: { query: "yellow sphere" } },
    { kind: "tool_result", call: "c1", output: [{ id: "obj_9", label: "sphere", box: [113, 96, 48, 48] }] },
    { kind: "answer", text: "1" },
  ],
};

async function as(browser: Browser, user: E2EUser) {
  const context = await browser.newContext({ storageState: stateFile(user) });
  return { context, page: await context.newPage(), request: context.request };
}

async function traceJson(request: APIRequestContext, id: number) {
  const response = await request.get(`/api/traces/${id}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as { reviews: Array<{ user: string; label: string; stepId: number | null; source: string }>; steps: Array<{ id: number; version: number }> };
}

test("overlap 2, blind: two reviewers disagree, the admin adjudicates, calibration uses the gold label", async ({ browser, page, request }) => {
  test.setTimeout(180_000); // three browsers and a verifier run on a shared machine
  await uploadFiles(request, DATASET, [
    { name: "CLEVR_train_scenes_subset5.json", mimeType: "application/json", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_scenes_subset5.json")) },
    { name: "CLEVR_train_000781.png", mimeType: "image/png", buffer: fs.readFileSync(path.resolve("prisma/demo/clevr/CLEVR_train_000781.png")) },
  ]);
  await uploadFiles(request, DATASET, [{ name: "team.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(`${JSON.stringify(trace)}\n`) }]);
  const [{ id }] = (await (await request.get(`/api/traces?dataset=${DATASET}`)).json()).items as Array<{ id: number }>;
  expect((await request.post("/api/runs", { data: { dataset: DATASET } })).status()).toBe(201);

  // the admin sets the overlap on the assignment & adjudication page
  await page.goto(`/adjudication?dataset=${DATASET}`);
  const policy = page.getByRole("form", { name: "Review policy" });
  await policy.getByLabel("Reviewers per trace").fill("2");
  await policy.getByLabel(/Blind/).check();
  await policy.getByRole("button", { name: "Save overlap" }).click();
  await expect(page.getByTestId("team-message")).toHaveText("Saved: 2 reviewers per trace, blind.");

  // alice: accept step 0, reject step 1 (keyboard, in her own browser)
  const alice = await as(browser, "alice");
  await openTrace(alice.page, id);
  const aliceWorkspace = alice.page.getByTestId("review-workspace");
  await alice.page.keyboard.press("a");
  await expect(aliceWorkspace).toHaveAttribute("data-current-step", "1");
  await alice.page.keyboard.press("r");
  await expect(alice.page.locator("li[data-step-index]").nth(1)).toHaveAttribute("data-label", "rejected");

  // bob, blind: sees none of alice's labels; accepts both steps
  const bob = await as(browser, "bob");
  await openTrace(bob.page, id);
  const bobWorkspace = bob.page.getByTestId("review-workspace");
  await expect(bobWorkspace.getByText(/alice/)).toHaveCount(0);
  expect((await traceJson(bob.request, id)).reviews.map((r) => r.user)).not.toContain("alice");
  await bob.page.keyboard.press("a");
  await expect(bobWorkspace).toHaveAttribute("data-current-step", "1");
  await bob.page.keyboard.press("a");
  await expect(bob.page.locator("li[data-step-index]").nth(1)).toHaveAttribute("data-label", "accepted");

  // both slots are held: a third reviewer (the admin labels too) is refused by the server
  const detail = await traceJson(request, id);
  const third = await request.post(`/api/steps/${detail.steps[2].id}/label`, { data: { label: "accept", expectedVersion: detail.steps[2].version } });
  expect(third.status()).toBe(409);
  expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(/all 2 review slots/);
  // the admin (not blind) sees both reviewers' labels
  await openTrace(page, id);
  await expect(page.getByTestId("review-workspace").getByText("alice: reject").first()).toBeVisible();

  // before adjudication calibration has a tie on step 1
  const before = await (await request.get(`/api/calibration?dataset=${DATASET}`)).json();
  expect(before.labels.ties).toBe(1);

  // the disagreement is in the admin's queue; the admin decides "reject"
  await page.goto(`/adjudication?dataset=${DATASET}`);
  const item = page.getByTestId(`adjudicate-step-${detail.steps[1].id}`);
  await expect(item.getByTestId("reviewer-label")).toHaveText(["alice: reject", "bob: accept"]);
  await item.getByRole("button", { name: "Reject" }).click();
  await page.getByRole("tab", { name: /Adjudicated/ }).click();
  await expect(page.getByTestId(`adjudicate-step-${detail.steps[1].id}`).getByTestId("gold-label")).toHaveText("Gold: reject by local, overriding bob (accept)");
  await page.getByRole("tab", { name: /Open/ }).click();
  await expect(page.getByText("No open disagreements")).toBeVisible();

  // calibration now uses the gold label: no tie left, and step 1 counts as a human reject
  const after = await (await request.get(`/api/calibration?dataset=${DATASET}`)).json();
  expect(after.labels.ties).toBe(0);
  expect(after.labels.reject).toBe(before.labels.reject + 1);
  // reviewers only (no gold) still tie
  expect((await (await request.get(`/api/calibration?dataset=${DATASET}&source=human`)).json()).labels.ties).toBe(1);

  // the audit log has the decision
  const audit = await (await request.get("/api/audit?action=review.adjudicate")).json();
  expect(JSON.stringify(audit)).toContain("review.adjudicate");

  // reviewers cannot adjudicate
  expect((await bob.request.post(`/api/steps/${detail.steps[1].id}/adjudicate`, { data: { label: "accept" } })).status()).toBe(403);

  // the agreement dashboard: two shared steps, one agreed
  await page.goto(`/agreement?dataset=${DATASET}`);
  await expect(page.getByTestId("agreement-steps")).toContainText("2 steps labelled by two or more of alice, bob.");
  await expect(page.getByTestId("agreement-steps-raw")).toContainText("0.50");
  await expect(page.getByTestId("progress-alice")).toContainText("alice");

  await alice.context.close();
  await bob.context.close();
});
