import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { openTrace } from "./helpers";

// Review workspace, driven by real keys and clicks against the real server and database.
// Each test works on its own trace so order does not matter.

interface Step { id: number; index: number; kind: string; tool: string | null; callId: string | null; refs: number[]; args: unknown; result: unknown; revision: number }
interface Trace { id: number; steps: Step[]; reviews: Array<{ stepId: number | null; label: string; user: string }> }

async function clevrTraces(request: APIRequestContext): Promise<Array<{ id: number; question: string }>> {
  return (await (await request.get("/api/traces?dataset=clevr-demo&limit=100")).json()).items;
}
async function trace(request: APIRequestContext, id: number): Promise<Trace> {
  return (await request.get(`/api/traces/${id}`)).json();
}
const stepItems = (page: Page) => page.locator("li[data-step-index]");

/** Waits until every optimistic review action has been recorded by the server. */
async function allSaved(page: Page): Promise<void> {
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-pending", "0");
  await expect(page.getByTestId("save-status")).toHaveText("All changes saved");
}


test("review a whole trace with the keyboard only; labels persist after reload", async ({ page, request }) => {
  const [target] = await clevrTraces(request);
  const detail = await trace(request, target.id);
  await openTrace(page, target.id);
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", "0");
  await expect(stepItems(page).first()).toHaveAttribute("aria-current", "step");

  const keys = detail.steps.map((_, i) => (i % 3 === 0 ? "a" : i % 3 === 1 ? "n" : "r"));
  const expected = keys.map((k) => (k === "a" ? "accepted" : k === "n" ? "neutral" : "rejected"));
  for (let i = 0; i < keys.length; i++) {
    await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", String(i));
    await page.keyboard.press(keys[i]);
    await expect(stepItems(page).nth(i)).toHaveAttribute("data-label", expected[i]);
  }
  await expect.poll(async () => (await trace(request, target.id)).reviews.filter((r) => r.stepId !== null && r.user === "local").length).toBe(keys.length);

  // j / k move without labelling
  await page.keyboard.press("k");
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-current-step", String(keys.length - 2));

  await allSaved(page);
  await page.reload();
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-ready", "true");
  for (let i = 0; i < keys.length; i++) await expect(stepItems(page).nth(i)).toHaveAttribute("data-label", expected[i]);

  // undo restores the previous state of the last labelled step
  await page.keyboard.press("u");
  await expect(stepItems(page).nth(keys.length - 1)).toHaveAttribute("data-label", "unlabeled");
});

test("edit a tool call's args and Re-run: the result changes and the old revision is in the history", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  // a relate call whose (non-empty) result the next call consumes: re-running it with the opposite
  // relation changes that result, so the consuming call no longer uses a produced set
  let target: Trace | null = null;
  let call: Step | null = null;
  for (const t of traces.slice(1)) {
    const d = await trace(request, t.id);
    call = d.steps.find((s, i) => {
      if (s.kind !== "tool_call" || s.tool !== "relate") return false;
      const res = d.steps.find((r) => r.kind === "tool_result" && r.callId === s.callId);
      const next = d.steps.slice(i + 1).find((n) => n.kind === "tool_call");
      return Array.isArray(res?.result) && res.result.length > 0 && JSON.stringify((next?.args as { objects?: unknown })?.objects) === JSON.stringify(res.result);
    }) ?? null;
    if (call) { target = d; break; }
  }
  expect(target).not.toBeNull();
  call = call!;
  const result = target!.steps.find((s) => s.kind === "tool_result" && s.callId === call!.callId)!;
  const args = call.args as { object: string; relation: string };
  const flipped = ({ left: "right", right: "left", front: "behind", behind: "front" } as Record<string, string>)[args.relation];

  await openTrace(page, target!.id);
  const outcomesBefore = await stepItems(page).evaluateAll((items) => items.map((li) => li.getAttribute("data-outcome")));
  expect(outcomesBefore.every((o) => o !== null)).toBe(true);
  await stepItems(page).nth(call.index).click();
  await page.getByRole("button", { name: "Edit" }).click();
  const editor = page.getByRole("textbox", { name: "Tool arguments (JSON)" });
  await editor.fill(JSON.stringify({ ...args, relation: flipped }));
  await page.getByRole("button", { name: "Re-run" }).click();

  const resultItem = stepItems(page).nth(result.index);
  await expect(resultItem).toHaveAttribute("data-revision", "1");
  await expect(stepItems(page).nth(call.index)).toContainText(`"relation":"${flipped}"`);
  const after = await trace(request, target!.id);
  const newResult = after.steps.find((s) => s.id === result.id)!;
  expect(newResult.result).not.toEqual(result.result);
  // the trace was re-verified: the re-run result passes re-execution, and the steps that still use
  // the old result now fail
  await expect(resultItem.locator('[data-rule="result.reexec"]')).toHaveAttribute("data-rule-outcome", "pass");
  const consumer = target!.steps.slice(call.index + 1).find((s) => s.kind === "tool_call")!;
  await expect(stepItems(page).nth(consumer.index)).toHaveAttribute("data-outcome", "fail");
  await expect(stepItems(page).nth(consumer.index).locator('[data-rule="cross.propagation"]')).toHaveAttribute("data-rule-outcome", "fail");
  expect(outcomesBefore[consumer.index]).not.toBe("fail");

  await resultItem.getByRole("button", { name: /edited · rev 1/ }).click();
  const history = page.getByRole("dialog", { name: `History of step ${result.index}` });
  await expect(history.locator("li[data-revision]")).toHaveCount(2);
  await expect(history.locator('li[data-revision="0"]')).toHaveAttribute("data-reason", "original");
  await expect(history.locator('li[data-revision="1"]')).toHaveAttribute("data-reason", "rerun");
  await page.keyboard.press("Escape");
  await expect(history).toBeHidden();
});

test("stop at first error: rejecting a step marks the later steps after-error", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  const target = await trace(request, traces[2].id);
  await openTrace(page, target.id);
  await page.keyboard.press("s");
  await expect(page.getByRole("checkbox", { name: "Stop at first error" })).toBeChecked();
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("r");
  await expect(stepItems(page).nth(2)).toHaveAttribute("data-label", "rejected");
  for (let i = 3; i < target.steps.length; i++) await expect(stepItems(page).nth(i)).toHaveAttribute("data-after-error", "true");
  await expect(stepItems(page).nth(1)).not.toHaveAttribute("data-after-error", "true");
  await page.keyboard.press("s");
});

test("selecting a step highlights its objects; clicking an object lists its steps", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  const target = await trace(request, traces[3].id);
  const withRefs = target.steps.find((s) => s.kind === "tool_call" && s.refs.length > 0 && s.refs.length < 5)!;
  await openTrace(page, target.id);
  // the Konva stage mounts once the container has a width; the state below is read from it
  await expect(page.getByTestId("trace-canvas")).toHaveAttribute("data-stage-ready", "true");
  await stepItems(page).nth(withRefs.index).click();
  await page.mouse.move(0, 0);
  const canvas = page.getByTestId("trace-canvas");
  await expect(canvas).toHaveAttribute("data-highlighted", withRefs.refs.join(","));
  const konvaHighlighted = await page.evaluate(() => {
    const stage = (window as unknown as { Konva: { stages: Array<{ find: (s: string) => Array<{ attrs: { fill: string; id: string } }> }> } }).Konva.stages[0];
    return stage.find(".object-marker").filter((m) => m.attrs.fill === "#ef4444").map((m) => Number(m.attrs.id.replace("object-", "")));
  });
  expect(konvaHighlighted.sort((a, b) => a - b)).toEqual(withRefs.refs);

  // click the first referenced object's marker through Konva and get the list of steps mentioning it
  const object = withRefs.refs[0];
  await page.evaluate((index) => {
    const stage = (window as unknown as { Konva: { stages: Array<{ findOne: (s: string) => { fire: (e: string) => void } }> } }).Konva.stages[0];
    stage.findOne(`#object-${index}`).fire("click");
  }, object);
  await expect(canvas).toHaveAttribute("data-selected-object", String(object));
  const mentioning = target.steps.filter((s) => s.refs.includes(object)).map((s) => `step ${s.index}`);
  await expect(page.getByTestId("object-steps").getByRole("button", { name: /^step \d+$/ })).toHaveText(mentioning);
});

test("help lists the keymap; keys do not fire while typing", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  await openTrace(page, traces[4].id);
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Accept the current step");
  await expect(help).toContainText("Next trace in the queue");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByRole("textbox", { name: "Step text" }).pressSequentially("a r n");
  await expect(stepItems(page).first()).toHaveAttribute("data-label", "unlabeled");
  await page.keyboard.press("Escape");
});

test("Next trace follows the queue and the filter bar narrows the list", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  await openTrace(page, traces[5].id);
  const queue = await (await request.get(`/api/queue/next?dataset=clevr-demo&after=${traces[5].id}`)).json();
  await page.getByRole("button", { name: "Next trace" }).click();
  await expect(page).toHaveURL(new RegExp(`/traces/${queue.traceId}$`));
  await expect(page.getByTestId("review-workspace")).toHaveAttribute("data-ready", "true");
  await page.keyboard.press("[");
  await expect(page).toHaveURL(new RegExp(`/traces/${traces[5].id}$`));

  await page.goto("/traces?dataset=visprog-gqa");
  await expect(page.getByTestId("filter-bar")).toHaveAttribute("data-ready", "true");
  await page.getByRole("combobox", { name: "Trace decision" }).selectOption("accept");
  await expect(page).toHaveURL(/decision=accept/);
  await expect(page.getByTestId("trace-total")).toHaveText("34 traces match");
});

test("a second tab labelling the same step gets a conflict message and nothing is lost", async ({ browser, request }) => {
  const traces = await clevrTraces(request);
  const target = traces[6].id;
  const first = await browser.newPage();
  const second = await browser.newPage();
  await openTrace(first, target);
  await openTrace(second, target);

  await first.keyboard.press("a");
  await expect.poll(async () => (await trace(request, target)).reviews.filter((r) => r.stepId !== null).map((r) => r.label)).toEqual(["accept"]);

  await second.keyboard.press("r");
  await expect(second.getByRole("alert").filter({ hasText: "changed since you loaded it" })).toContainText("Step 0 changed since you loaded it");
  // the refused label is rolled back and the tab refreshes to the winning label
  await expect(stepItems(second).first()).toHaveAttribute("data-label", "accepted");
  const labels = (await trace(request, target)).reviews.filter((r) => r.stepId !== null).map((r) => r.label);
  expect(labels).toEqual(["accept"]);

  await allSaved(second);
  await second.reload();
  await expect(stepItems(second).first()).toHaveAttribute("data-label", "accepted");
  await first.close();
  await second.close();
});

test("filter the trace list by a failing rule", async ({ page, request }) => {
  const expected = (await (await request.get("/api/traces?dataset=clevr-demo&rule=reasoning.claims&limit=200")).json()) as { total: number; items: Array<{ id: number }> };
  expect(expected.total).toBeGreaterThan(0);
  await page.goto("/traces?dataset=clevr-demo");
  await expect(page.getByTestId("filter-bar")).toHaveAttribute("data-ready", "true");
  await page.getByRole("combobox", { name: "Failing rule" }).selectOption("reasoning.claims");
  await expect(page).toHaveURL(/rule=reasoning.claims/);
  await expect(page.getByTestId("trace-total")).toHaveText(`${expected.total} traces match`);
  const shown = await page.locator("tr[data-trace-id]").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-trace-id"))));
  expect(shown).toEqual(expected.items.slice(0, shown.length).map((t) => t.id));
  // each row names the rules that failed on it, this one among them
  const failing = await page.locator("tr[data-trace-id] td[data-failing-rules]").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-failing-rules")!.split(",")));
  expect(failing).toHaveLength(shown.length);
  for (const rules of failing) expect(rules).toContain("reasoning.claims");
  // every listed trace really has a failing reasoning.claims step
  const first = (await (await request.get(`/api/traces/${shown[0]}`)).json()) as { verification: { steps: Record<string, { verdicts: Array<{ rule: string; outcome: string }> }> } };
  expect(Object.values(first.verification.steps).some((s) => s.verdicts.some((v) => v.rule === "reasoning.claims" && v.outcome === "fail"))).toBe(true);
});

test("a label can carry a comment, written without touching the mouse", async ({ page, request }) => {
  const traces = await clevrTraces(request);
  const target = traces[7].id;
  await openTrace(page, target);
  await page.keyboard.press("c");
  await expect(page.getByRole("textbox", { name: "Comment" })).toBeFocused();
  await page.keyboard.type("relation is backwards");
  await page.keyboard.press("Escape");
  await page.keyboard.press("r");
  await expect(stepItems(page).first()).toHaveAttribute("data-label", "rejected");
  await expect(stepItems(page).first().getByTestId("step-comment")).toContainText("relation is backwards");
  await expect(page.getByRole("textbox", { name: "Comment" })).toHaveValue("");
  await expect.poll(async () => (await trace(request, target)).reviews.find((r) => r.stepId !== null)?.label).toBe("reject");
  const stored = (await (await request.get(`/api/traces/${target}`)).json()) as { reviews: Array<{ stepId: number | null; comment: string | null }> };
  expect(stored.reviews.find((r) => r.stepId !== null)?.comment).toBe("relation is backwards");
});
