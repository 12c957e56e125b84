import crypto from "node:crypto";

// Verified API tokens, trusted for a few seconds (docs/design.md §13). Checking a token costs a
// hash, two reads and a write (better-auth's verifyApiKey records the token's last request on every
// call): about a third of the server's CPU for a small API read, and a database write per request.
// A script sending many requests with one token asks the database once per TOKEN_TRUST_MS instead.
// Revoking a token, or changing, disabling or re-passwording a user, in this process forgets them
// all at once; done by another process (the CLI on the same database), it takes effect here within
// TOKEN_TRUST_MS.

/** How long a verified token is trusted without asking the database again. */
export const TOKEN_TRUST_MS = 5_000;
/** Tokens remembered at most (the oldest forgotten first). */
const REMEMBERED = 1_000;

interface Trusted<T> {
  value: T;
  until: number;
}

const trusted = new Map<string, Trusted<unknown>>();

const keyOf = (token: string) => crypto.createHash("sha256").update(token).digest("base64url");

/** What was remembered for `token`, if it is still trusted. */
export function trustedToken<T>(token: string, now = Date.now()): T | null {
  const key = keyOf(token);
  const entry = trusted.get(key);
  if (!entry) return null;
  if (entry.until <= now) {
    trusted.delete(key);
    return null;
  }
  return entry.value as T;
}

/** Remembers a verified token's principal until TOKEN_TRUST_MS from now, or its expiry if sooner. */
export function trustToken<T>(token: string, value: T, expiresAt: Date | null, now = Date.now()): void {
  const until = Math.min(now + TOKEN_TRUST_MS, expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY);
  if (until <= now) return;
  const key = keyOf(token);
  trusted.delete(key);
  trusted.set(key, { value, until });
  if (trusted.size > REMEMBERED) trusted.delete(trusted.keys().next().value!);
}

/** Forgets every trusted token (a token revoked, a user changed). */
export function forgetTrustedTokens(): void {
  trusted.clear();
}
