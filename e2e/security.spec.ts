import { expect, test } from "@playwright/test";
import { openTrace } from "./helpers";

// Security headers (docs/limits.md): a per-request CSP nonce on pages that Next's own scripts carry,
// so the app still hydrates and runs with no CSP violation; API responses may load nothing.

test("pages carry a nonce CSP, frame-ancestors none, nosniff and no X-Powered-By, and still work", async ({ page, request }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/content security policy/i.test(message.text())) violations.push(message.text());
  });
  const first = await request.get("/");
  const second = await request.get("/");
  const csp = first.headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain("unsafe-eval");
  const nonceOf = (value: string | undefined) => /'nonce-([^']+)'/.exec(value ?? "")?.[1];
  expect(nonceOf(csp)).not.toBe(nonceOf(second.headers()["content-security-policy"]));
  expect(first.headers()["x-content-type-options"]).toBe("nosniff");
  expect(first.headers()["x-frame-options"]).toBe("DENY");
  expect(first.headers()["x-powered-by"]).toBeUndefined();
  // Every inline script Next rendered carries this response's nonce.
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonceOf(csp)}"`);

  // The review workspace hydrates (keys and clicks live) under the policy.
  const list = await (await request.get("/api/traces?limit=1")).json();
  await openTrace(page, list.items[0].id);
  await page.goto("/traces");
  await expect(page.locator("tr[data-trace-id]").first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("API responses forbid everything and are never sniffed", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.headers()["content-security-policy"]).toContain("default-src 'none'");
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response.headers()["x-powered-by"]).toBeUndefined();
});
