// Security headers (docs/limits.md). Pages get a Content-Security-Policy with a
// fresh nonce per request (set by proxy.ts); Next reads the nonce from the request's CSP header and
// stamps it on its own framework scripts, so no other inline script can run. API responses are
// data, never documents: they get a CSP that forbids everything (a stored SVG opened directly cannot
// run script) and the same frame/sniffing protections.

/** A fresh, unguessable nonce (128 bits, base64). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString("base64");
}

/**
 * The page CSP. Scripts: only those carrying the nonce (and what they load, via 'strict-dynamic');
 * 'unsafe-eval' only in development, where React uses eval for error overlays. Styles allow inline
 * because React renders `style=` attributes server-side (style cannot run code). Images may be
 * remote http(s): dataset images are often URL references (`/api/images/ID` redirects to them).
 */
export function pageCsp(nonce: string, dev = process.env.NODE_ENV === "development"): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data: https: http:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The CSP on API and other non-page responses: nothing may load or run, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** Headers every response carries (set in next.config.ts `headers()`). */
export const STATIC_SECURITY_HEADERS: ReadonlyArray<{ key: string; value: string }> = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];
