import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { stateFile } from "./users";

// The trace list for everyday use (docs/design.md §6): the gallery of thumbnails with keyboard
// navigation, a bulk action with preview, apply and undo, and a saved view reopened from its menu.
// The spec imports and verifies a small CLEVR dataset of its own, so nothing here depends on the
// demo data other specs change; counts are read from the API at run time.

const DATASET = "e2e-trace-list";
const CLEVR = path.resolve("prisma/demo/clevr");
const FIXTURE = path.resolve("fixtures/canonical/clevr-781-two-traces.jsonl");

/** One more trace, on another image, so the gallery shows two different pictures. */
const TRACE_335 = {
  schema: "stepwise.trace/v1",
  id: "list-e2e-335",
  image: "CLEVR_train_000335.png",
  question: "How many objects are there?",
  method: "direct",
  steps: [
    { kind: "tool_call", id: "c1", tool: "detect", args: { query: "object" } },
    { kind: "tool_result", call: "c1", output: [] },
    { kind: "answer", text: "0" },
  ],
};

let traceIds: number[] = [];

async function upload(api: APIRequestContext, files: Array<{ name: string; mimeType: string; buffer: Buffer }>) {
  const form = new FormData();
  form.set("dataset", DATASET);
  for (const f of files) form.append("files", new Blob([new Uint8Array(f.buffer)], { type: f.mimeType }), f.name);
  const response = await api.post("/api/imports", { multipart: form });
  expect(response.status(), await response.text()).toBe(201);
}

test.beforeAll(async ({ playwright }, testInfo) => {
  const api = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL, storageState: stateFile("admin") });
  const existing = (await (await api.get(`/api/traces?dataset=${DATASET}`)).json()) as { total: number };
  if (!existing.total) {
    await upload(api, [
      { name: "CLEVR_train_scenes_subset5.json", mimeType: "application/json", buffer: fs.readFileSync(path.join(CLEVR, "CLEVR_train_scenes_subset5.json")) },
      { name: "CLEVR_train_000781.png", mimeType: "image/png", buffer: fs.readFileSync(path.join(CLEVR, "CLEVR_train_000781.png")) },
      { name: "CLEVR_train_000335.png", mimeType: "image/png", buffer: fs.readFileSync(path.join(CLEVR, "CLEVR_train_000335.png")) },
    ]);
    await upload(api, [{ name: "list.jsonl", mimeType: "application/jsonl", buffer: Buffer.concat([fs.readFileSync(FIXTURE), Buffer.from(`${JSON.stringify(TRACE_335)}\n`)]) }]);
    const run = await api.post("/api/runs", { data: { dataset: DATASET } });
    expect(run.status(), await run.text()).toBe(201);
  }
  const list = (await (await api.get(`/api/traces?dataset=${DATASET}`)).json()) as { items: Array<{ id: number; imageId: number | null; valid: boolean | null }> };
  expect(list.items).toHaveLength(3);
  expect(list.items.every((t) => t.imageId !== null && t.valid !== null)).toBe(true);
  traceIds = list.items.map((t) => t.id);
  await api.dispose();
});

/** Opens the list and waits until its controls are hydrated (clicks and selects are live). */
async function openList(page: Page, query: string) {
  await page.goto(`/traces?${query}`);
  await expect(page.getByTestId("filter-bar")).toHaveAttribute("data-ready", "true");
  await expect(page.getByTestId("list-toolbar")).toHaveAttribute("data-ready", "true");
}

/** Every thumbnail on the page has finished loading a real picture. */
async function expectThumbnailsLoaded(page: Page, count: number) {
  const thumbs = page.getByTestId("gallery-thumb");
  await expect(thumbs).toHaveCount(count);
  for (let i = 0; i < count; i++) {
    await thumbs.nth(i).scrollIntoViewIfNeeded(); // lazy: loads when near the viewport
    await expect.poll(() => thumbs.nth(i).evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  }
}

test("gallery: thumbnails of the filter's traces load, framed by verdict; arrows and Enter open a trace; table and empty state", async ({ page }) => {
  await openList(page, `dataset=${DATASET}`);
  await page.getByRole("button", { name: "Gallery", exact: true }).click();
  await expect(page).toHaveURL(/mode=gallery/);
  const gallery = page.getByTestId("trace-gallery");
  await expectThumbnailsLoaded(page, 3);
  // tiles come in the list's order, each framed by its verdict
  await expect(gallery.locator("[data-gallery-tile]")).toHaveCount(3);
  expect(await gallery.locator("[data-gallery-tile]").evaluateAll((tiles) => tiles.map((t) => Number(t.getAttribute("data-trace-id"))))).toEqual(traceIds);
  for (const verdict of await gallery.locator("[data-gallery-tile]").evaluateAll((tiles) => tiles.map((t) => t.getAttribute("data-verdict")))) expect(["valid", "invalid"]).toContain(verdict);
  // the question and quality are there on hover (title and overlay)
  await expect(gallery.locator("a").first()).toHaveAttribute("title", /quality \d\.\d\d/);

  // keyboard: → selects the second tile, Enter opens it
  await expect(page.getByTestId("list-toolbar")).toHaveAttribute("data-ready", "true");
  await page.locator("h1").click();
  await page.keyboard.press("ArrowRight");
  await expect(gallery.locator("[data-gallery-tile]").nth(1)).toHaveAttribute("aria-current", "true");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/traces/${traceIds[1]}$`));

  // the gallery pages like the table (one per page here)
  await openList(page, `dataset=${DATASET}&mode=gallery&limit=1`);
  await expectThumbnailsLoaded(page, 1);
  await page.getByRole("link", { name: "Next page →" }).click();
  // wait for the second page itself: the first page's single thumbnail also counts 1 until it is replaced
  await expect(page.getByTestId("trace-gallery").locator("[data-gallery-tile]")).toHaveAttribute("data-trace-id", String(traceIds[1]));
  await expectThumbnailsLoaded(page, 1);

  // photos too (read only: the demo's photo dataset)
  await page.goto("/traces?dataset=photos-demo&mode=gallery&limit=4");
  const photos = await page.getByTestId("gallery-thumb").count();
  expect(photos).toBeGreaterThan(0);
  await expectThumbnailsLoaded(page, photos);

  // back to the table; a filter with no match shows the empty state, not an empty grid
  await openList(page, `dataset=${DATASET}&mode=gallery`);
  await page.getByRole("button", { name: "Table", exact: true }).click();
  await expect(page).not.toHaveURL(/mode=gallery/);
  await expect(page.locator("table tbody tr")).toHaveCount(3);
  await page.goto(`/traces?dataset=${DATASET}&mode=gallery&q=no-such-question-anywhere`);
  await expect(page.getByText("No traces match")).toBeVisible();
  await expect(page.getByTestId("trace-gallery")).toHaveCount(0);
});

test("table: a row's link opens the trace on the client (no page load), as next/link would; a ctrl-click is left to the browser", async ({ page }) => {
  await openList(page, `dataset=${DATASET}`);
  await expect(page.locator("table tbody tr")).toHaveCount(3);
  // a marker on the window survives a client-side navigation and not a page load
  await page.evaluate(() => ((window as unknown as { __listMarker?: number }).__listMarker = 1));
  await page.locator(`tr[data-trace-id="${traceIds[0]}"] a`).first().click();
  await expect(page).toHaveURL(new RegExp(`/traces/${traceIds[0]}$`));
  expect(await page.evaluate(() => (window as unknown as { __listMarker?: number }).__listMarker)).toBe(1);
  await page.goBack();
  await expect(page.locator("table tbody tr")).toHaveCount(3);
  // with a modifier the table does not navigate this page (the browser opens a tab)
  const [opened] = await Promise.all([page.context().waitForEvent("page"), page.locator(`tr[data-trace-id="${traceIds[1]}"] a`).first().click({ modifiers: ["ControlOrMeta"] })]);
  await opened.close();
  await expect(page).toHaveURL(new RegExp(`/traces\\?dataset=${DATASET}$`));
});

test("bulk action: preview, apply as one action, undo it whole", async ({ page, request }) => {
  const decisions = async () => {
    const list = (await (await request.get(`/api/traces?dataset=${DATASET}`)).json()) as { items: Array<{ decision: string | null }> };
    return list.items.map((t) => t.decision);
  };
  const before = await decisions();
  await openList(page, `dataset=${DATASET}`);
  await page.getByRole("button", { name: "Bulk actions…" }).click();
  const dialog = page.getByRole("dialog", { name: "Bulk action on this filter" });
  await dialog.getByLabel(/Decide the traces/).check();
  await dialog.getByLabel("Bulk decision").selectOption("reject");
  await expect(dialog.getByRole("button", { name: /^Apply/ })).toBeDisabled(); // preview first
  await dialog.getByRole("button", { name: "Preview" }).click();
  const preview = dialog.getByTestId("bulk-preview");
  await expect(preview).toHaveAttribute("data-items", "3");
  await expect(preview).toContainText("on 3 traces, of 3 looked at");
  await dialog.getByRole("button", { name: "Apply: write 3 decisions" }).click();
  await expect(dialog.getByTestId("bulk-applied")).toContainText("3 written on 3 traces");
  expect(await decisions()).toEqual(["reject", "reject", "reject"]);

  // previewing again: everything already carries my decision
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(preview).toHaveAttribute("data-items", "0");
  await expect(preview).toContainText("3 already carry your reject");
  await page.keyboard.press("Escape");

  // the list offers the undo of the last bulk action; one click reverts all three
  const last = page.getByTestId("last-bulk");
  await expect(last).toContainText("reject the traces (3)");
  await last.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Undone: 3 reverted" })).toBeVisible();
  expect(await decisions()).toEqual(before);
  await expect(page.getByTestId("last-bulk")).toHaveCount(0);
});

test("saved view: name the current filter, sort and mode; reopen, rename and delete it", async ({ page }) => {
  const name = "list e2e: gallery by quality";
  await openList(page, `dataset=${DATASET}&mode=gallery`);
  await page.getByLabel("Sort", { exact: true }).selectOption("-quality");
  await expect(page).toHaveURL(/sort=-quality/);
  const views = page.getByTestId("saved-views");
  await views.locator("summary").click();
  await views.getByLabel("View name").fill(name);
  await views.getByRole("button", { name: "Save view" }).click();
  await expect(views.getByTestId("open-view")).toHaveText(name);

  // elsewhere, then back through the menu: the URL is the view
  await openList(page, "");
  await page.getByTestId("saved-views").locator("summary").click();
  await page.getByTestId("saved-views").getByRole("link", { name }).click();
  await expect(page).toHaveURL(new RegExp(`/traces\\?dataset=${DATASET}&sort=-quality&mode=gallery$`));
  await expect(page.getByTestId("open-view")).toHaveText(name);
  await expectThumbnailsLoaded(page, 3);

  const menu = page.getByTestId("saved-views");
  await menu.locator("summary").click();
  const row = menu.locator("li", { hasText: name });
  await row.getByRole("button", { name: "Rename" }).click();
  await menu.getByLabel(`New name for ${name}`).fill("list e2e: renamed");
  await menu.getByRole("button", { name: "Save", exact: true }).click();
  await expect(menu.getByTestId("open-view")).toHaveText("list e2e: renamed");
  const renamed = menu.locator("li", { hasText: "list e2e: renamed" });
  await renamed.getByRole("button", { name: "Delete" }).click();
  await renamed.getByRole("button", { name: /Delete “list e2e: renamed”\?/ }).click();
  await expect(menu.locator("li", { hasText: "list e2e: renamed" })).toHaveCount(0);
  await expect(page.getByTestId("open-view")).toHaveCount(0);
});
