import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { openTrace } from "./helpers";

// The scene editor on a photo, driven with the mouse: the hand-written trace on n274318.jpg
// (photos-demo) detects a book its scene graph does not list, so that step fails; a person draws a
// box around the book, labels it "book", the trace is verified again and the step passes. Every
// check reads state through the API.

interface Verdict { rule: string; outcome: string; message: string }
interface TraceState {
  id: number;
  valid: boolean | null;
  image: { id: number; width: number | null } | null;
  scene: { kind: string; objects: Array<{ index: number; category: string | null }> } | null;
  steps: Array<{ id: number; index: number }>;
  verification: { steps: Record<number, { outcome: string; verdicts: Verdict[] }> } | null;
}

async function state(request: APIRequestContext, id: number): Promise<TraceState> {
  const response = await request.get(`/api/traces/${id}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as TraceState;
}

const reexec = (trace: TraceState, index: number) => trace.verification!.steps[trace.steps.find((s) => s.index === index)!.id].verdicts.find((v) => v.rule === "result.reexec");

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

test("a claimed relation shows as an arrow with its margin; draw and label a box on a photo: the scene gains the object and the failing step passes on re-verification", async ({ page, request }) => {
  const list: { items: Array<{ id: number; externalId: string }> } = await (await request.get("/api/traces?dataset=photos-demo&limit=10")).json();
  const id = list.items.find((t) => t.externalId === "photo-living-room-001")!.id;
  const before = await state(request, id);
  expect(before.scene?.kind).toBe("graph");
  expect(reexec(before, 2)).toMatchObject({ outcome: "fail", message: expect.stringContaining("matches no object of the scene") });
  const objects = before.scene!.objects.length;

  await openTrace(page, id);
  const canvas = page.getByTestId("trace-canvas");
  await expect(canvas).toHaveAttribute("data-stage-ready", "true");
  // the relation a step claims is drawn as an arrow with its ambiguity margin band (step 8: check_relation obj_12 right of obj_0)
  await page.locator('li[data-step-index="8"]').hover();
  await expect(canvas).toHaveAttribute("data-arrows", "12>0:right");
  await expect(canvas).toHaveAttribute("data-margins", "1");
  await expect(page.getByTestId("margin-legend")).toContainText("ambiguity margin");
  await page.getByRole("checkbox", { name: "Object centres" }).uncheck();
  // the Draw box button sits under the tall photo: clicking it scrolls, so measure the canvas after
  await page.getByRole("button", { name: "Draw box" }).click();
  const stage = canvas.locator(".konvajs-content");
  await stage.scrollIntoViewIfNeeded();
  const bounds = (await stage.boundingBox())!;
  const scale = bounds.width / (before.image!.width ?? 640);
  const screen = (x: number, y: number) => ({ x: bounds.x + x * scale, y: bounds.y + y * scale });

  // the book on the round table: about (396, 279) to (468, 301) in image pixels
  const created = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/api/images/${before.image!.id}/boxes`);
  await drag(page, screen(396, 279), screen(468, 301));
  expect((await created).status()).toBe(201);
  await page.getByRole("button", { name: /^Drawing/ }).click();

  const form = page.getByTestId("box-label-form");
  await expect(form).toBeVisible();
  await form.getByRole("textbox", { name: "Category" }).fill("book");
  await form.getByRole("textbox", { name: "Attributes" }).fill("white, closed");
  const labelled = page.waitForResponse((r) => r.request().method() === "PUT" && /^\/api\/boxes\/\d+\/object$/.test(new URL(r.url()).pathname));
  await form.getByRole("button", { name: "Add to scene" }).click();
  const response = await labelled;
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { objectIndex: number; reverified: Array<{ traceId: number }> };
  expect(body.objectIndex).toBe(objects);
  expect(body.reverified.map((r) => r.traceId)).toContain(id);
  await expect(form).toBeHidden();

  const after = await state(request, id);
  expect(after.scene!.objects.find((o) => o.index === objects)).toMatchObject({ category: "book" });
  expect(reexec(after, 2)).toMatchObject({ outcome: "pass" });
  await expect(page.getByTestId("scene-summary")).toHaveText(`graph scene, ${objects + 1} objects`);
});
