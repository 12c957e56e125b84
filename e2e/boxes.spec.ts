import { expect, test, type APIRequestContext, type Page, type Response } from "@playwright/test";
import { openTrace } from "./helpers";

// Human boxes on the review canvas, driven with the mouse: draw, move, resize, delete. Screen
// points are computed from the canvas's bounding box and the fit scale (stage width / image width),
// and every step is checked through the API (GET the trace: its boxes), never by waiting a while.

interface Box { id: number; source: string; x: number; y: number; w: number; h: number; version: number }
interface TraceWithBoxes { id: number; image: { id: number; width: number | null; height: number | null } | null; boxes: Box[] }

async function traceBoxes(request: APIRequestContext, traceId: number): Promise<Box[]> {
  const response = await request.get(`/api/traces/${traceId}`);
  expect(response.ok()).toBe(true);
  return ((await response.json()) as TraceWithBoxes).boxes;
}

/** Within 1.5 image pixels: the mouse moves in whole screen pixels and the server rounds to 0.1. */
function expectGeometry(box: Box | undefined, expected: { x: number; y: number; w: number; h: number }) {
  expect(box, "the box is in the API's answer").toBeDefined();
  for (const key of ["x", "y", "w", "h"] as const) expect(Math.abs(box![key] - expected[key]), `${key}: ${box![key]} vs ${expected[key]}`).toBeLessThanOrEqual(1.5);
}

/** Runs `action` and waits for the box request it causes and for the page's refetch of the trace. */
async function boxRequest(page: Page, traceId: number, method: string, path: RegExp, action: () => Promise<void>): Promise<Response> {
  const mutation = page.waitForResponse((r) => r.request().method() === method && path.test(new URL(r.url()).pathname));
  const refetch = page.waitForResponse((r) => r.request().method() === "GET" && new URL(r.url()).pathname === `/api/traces/${traceId}`);
  await action();
  const response = await mutation;
  expect(response.status(), await response.text()).toBeLessThan(300);
  await refetch;
  return response;
}

/** Waits until the box is selected on the canvas (Konva makes a selected human box draggable). */
async function selected(page: Page, id: number): Promise<void> {
  await expect
    .poll(() => page.evaluate((boxId) => {
      const konva = (window as unknown as { Konva?: { stages: Array<{ findOne: (selector: string) => { draggable: () => boolean } | undefined }> } }).Konva;
      return konva?.stages.map((s) => s.findOne(`#box-${boxId}`)?.draggable()).find((d) => d !== undefined) ?? null;
    }, id))
    .toBe(true);
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 8 });
  await page.mouse.up();
}

test("draw, move, resize and delete a human box with the mouse; each change is in the boxes API", async ({ page, request }) => {
  const traces: Array<{ id: number }> = (await (await request.get("/api/traces?dataset=clevr-demo&limit=100")).json()).items;
  // the last trace: the review spec's tests use the first ones
  const trace: TraceWithBoxes = await (await request.get(`/api/traces/${traces[traces.length - 1].id}`)).json();
  expect(trace.image).not.toBeNull();
  const imageWidth = trace.image!.width ?? 480;
  const before = trace.boxes.filter((b) => b.source === "human").map((b) => b.id);

  await openTrace(page, trace.id);
  const canvas = page.getByTestId("trace-canvas");
  await expect(canvas).toHaveAttribute("data-stage-ready", "true");
  // object centre markers sit above the boxes and would take the clicks: hide them
  await page.getByRole("checkbox", { name: "Object centres" }).uncheck();

  const stage = canvas.locator(".konvajs-content");
  const bounds = (await stage.boundingBox())!;
  const scale = bounds.width / imageWidth;
  const screen = (p: { x: number; y: number }) => ({ x: bounds.x + p.x * scale, y: bounds.y + p.y * scale });
  const humanBoxes = Number(await canvas.getAttribute("data-human-boxes"));

  // draw: drag from (60, 50) to (140, 130) in image pixels
  await page.getByRole("button", { name: "Draw box" }).click();
  const created = await boxRequest(page, trace.id, "POST", new RegExp(`^/api/images/${trace.image!.id}/boxes$`), () => drag(page, screen({ x: 60, y: 50 }), screen({ x: 140, y: 130 })));
  const id = ((await created.json()) as Box).id;
  expect(before).not.toContain(id);
  let geometry = { x: 60, y: 50, w: 80, h: 80 };
  expectGeometry((await traceBoxes(request, trace.id)).find((b) => b.id === id && b.source === "human"), geometry);
  await expect(canvas).toHaveAttribute("data-human-boxes", String(humanBoxes + 1));
  await page.getByRole("button", { name: /^Drawing/ }).click(); // leave drawing mode

  // move: select the box with a click, then drag it by (+40, +30)
  await page.mouse.click(screen({ x: 100, y: 90 }).x, screen({ x: 100, y: 90 }).y);
  await selected(page, id);
  await boxRequest(page, trace.id, "PATCH", new RegExp(`^/api/boxes/${id}$`), () => drag(page, screen({ x: 100, y: 90 }), screen({ x: 140, y: 120 })));
  geometry = { ...geometry, x: 100, y: 80 };
  expectGeometry((await traceBoxes(request, trace.id)).find((b) => b.id === id), geometry);

  // resize: drag the bottom-right handle by (+30, +20)
  const corner = { x: geometry.x + geometry.w, y: geometry.y + geometry.h };
  await boxRequest(page, trace.id, "PATCH", new RegExp(`^/api/boxes/${id}$`), () => drag(page, screen(corner), screen({ x: corner.x + 30, y: corner.y + 20 })));
  geometry = { ...geometry, w: 110, h: 100 };
  const resized = (await traceBoxes(request, trace.id)).find((b) => b.id === id);
  expectGeometry(resized, geometry);
  expect(resized!.version).toBe(3); // created, moved, resized: each one version

  // delete: the selected box goes with the Delete key
  await boxRequest(page, trace.id, "DELETE", new RegExp(`^/api/boxes/${id}$`), () => page.keyboard.press("Delete"));
  expect((await traceBoxes(request, trace.id)).some((b) => b.id === id)).toBe(false);
  await expect(canvas).toHaveAttribute("data-human-boxes", String(humanBoxes));
});

test("Delete and Backspace typed in the comment box edit the comment, not the selected box", async ({ page, request }) => {
  const traces: Array<{ id: number }> = (await (await request.get("/api/traces?dataset=clevr-demo&limit=100")).json()).items;
  const trace: TraceWithBoxes = await (await request.get(`/api/traces/${traces[traces.length - 2].id}`)).json();
  expect(trace.image).not.toBeNull();
  const imageWidth = trace.image!.width ?? 480;
  await openTrace(page, trace.id);
  const canvas = page.getByTestId("trace-canvas");
  await expect(canvas).toHaveAttribute("data-stage-ready", "true");
  await page.getByRole("checkbox", { name: "Object centres" }).uncheck();
  const bounds = (await canvas.locator(".konvajs-content").boundingBox())!;
  const scale = bounds.width / imageWidth;
  const at = (x: number, y: number) => ({ x: bounds.x + x * scale, y: bounds.y + y * scale });

  await page.getByRole("button", { name: "Draw box" }).click();
  const created = await boxRequest(page, trace.id, "POST", new RegExp(`^/api/images/${trace.image!.id}/boxes$`), () => drag(page, at(200, 60), at(260, 120)));
  const id = ((await created.json()) as Box).id;
  await page.getByRole("button", { name: /^Drawing/ }).click();
  await page.mouse.click(at(230, 90).x, at(230, 90).y);
  await selected(page, id);
  const deletes: string[] = [];
  page.on("request", (r) => r.method() === "DELETE" && deletes.push(r.url()));

  const comment = page.getByRole("textbox", { name: "Comment" });
  await comment.fill("boxx");
  await comment.press("Backspace");
  await comment.press("Delete");
  await comment.press("Home");
  await comment.press("Delete");
  await expect(comment).toHaveValue("ox");
  // Esc leaves the comment box (the keymap's cancel); now Delete is the canvas's again and removes
  // the box — exactly one DELETE, so the keys typed in the field removed nothing
  await comment.press("Escape");
  await expect(comment).not.toBeFocused();
  await boxRequest(page, trace.id, "DELETE", new RegExp(`^/api/boxes/${id}$`), () => page.keyboard.press("Delete"));
  expect(deletes).toHaveLength(1);
  expect((await traceBoxes(request, trace.id)).some((b) => b.id === id)).toBe(false);
});
