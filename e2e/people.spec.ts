import { expect, test } from "@playwright/test";
import { openTrace } from "./helpers";
import { E2E_USERS, stateFile } from "./users";

// Sign-in and the secure defaults (docs/design.md §13) against the built app.

interface Trace { id: number; steps: Array<{ id: number; version: number }> }

async function firstTrace(request: import("@playwright/test").APIRequestContext): Promise<Trace> {
  const list = (await (await request.get("/api/traces?limit=1")).json()) as { items: Array<{ id: number }> };
  return (await (await request.get(`/api/traces/${list.items[0].id}`)).json()) as Trace;
}

test.describe("anonymous", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("every page redirects to sign-in and the API answers 401; signing in lands on the page asked for", async ({ page, request }) => {
    test.setTimeout(120_000); // five page loads and two sign-ins on a shared, loaded machine
    for (const path of ["/", "/traces", "/exports", "/calibration", "/people"]) {
      await page.goto(path);
      await expect(page).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(path).replace(/[/]/g, "%2F")}`));
    }
    expect((await request.get("/api/datasets")).status()).toBe(401);
    expect((await request.delete("/api/exports/3")).status()).toBe(401);
    await page.goto("/sign-in?next=%2Fexports");
    await page.getByLabel("Email").fill(E2E_USERS.alice.email);
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong email or password.")).toBeVisible();
    await page.getByLabel("Password").fill(E2E_USERS.alice.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/exports$/);
    await expect(page.getByTestId("user-menu")).toContainText("alice");
    await expect(page.getByTestId("user-role")).toHaveText("reviewer");
  });
});

test.describe("viewer", () => {
  test.use({ storageState: stateFile("viewer") });

  test("cannot label: the UI hides the controls and the API answers 403", async ({ page, request }) => {
    const trace = await firstTrace(request);
    await openTrace(page, trace.id);
    await expect(page.getByTestId("read-only")).toBeVisible();
    await expect(page.getByRole("button", { name: "Accept", exact: true })).toHaveCount(0);
    await page.keyboard.press("a");
    const step = trace.steps[0];
    const response = await request.post(`/api/steps/${step.id}/label`, { data: { label: "accept", expectedVersion: step.version } });
    expect(response.status()).toBe(403);
    const after = await firstTrace(request);
    expect(after.steps[0].version).toBe(step.version);
  });
});

test("a text/plain or cross-origin POST to a mutation is refused, and nothing is written", async ({ request, page }) => {
  const trace = await firstTrace(request);
  const step = trace.steps[0];
  const body = JSON.stringify({ label: "reject", expectedVersion: step.version });
  const plain = await request.post(`/api/steps/${step.id}/label`, { headers: { "content-type": "text/plain" }, data: body });
  expect(plain.status()).toBe(415);
  const crossSite = await request.post(`/api/steps/${step.id}/label`, { headers: { "content-type": "application/json", origin: "http://evil.example", "sec-fetch-site": "cross-site" }, data: body });
  expect(crossSite.status()).toBe(403);
  const foreignHost = await request.get("/api/datasets", { headers: { host: "rebound.example" } });
  expect(foreignHost.status()).toBe(403);
  // the browser itself, same origin, text/plain: still refused (JSON routes take application/json only)
  await page.goto("/");
  const status = await page.evaluate(async ({ id, data }) => (await fetch(`/api/steps/${id}/label`, { method: "POST", headers: { "content-type": "text/plain" }, body: data })).status, { id: step.id, data: body });
  expect(status).toBe(415);
  expect((await firstTrace(request)).steps[0].version).toBe(step.version);
});

test("an admin creates a token on the tokens page; it works as a Bearer token and is listed with its last use", async ({ page, playwright, baseURL }) => {
  await page.goto("/people/tokens");
  await page.getByLabel("Name").fill("e2e script");
  await page.getByLabel("Scope").selectOption("read");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent()) ?? "";
  expect(token).toMatch(/^stw_[A-Za-z]{40}$/);
  const api = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] }, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  expect((await api.get("/api/datasets")).status()).toBe(200);
  expect((await api.post("/api/reviews/undo", { data: {} })).status()).toBe(403);
  await api.dispose();
  await page.reload();
  await expect(page.getByTestId("tokens-table")).toContainText("e2e script");
  await expect(page.getByTestId("tokens-table")).not.toContainText(token);
  await page.goto("/people/audit");
  await expect(page.getByTestId("audit-table")).toContainText("token.create");
});
