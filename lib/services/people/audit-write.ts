import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

// The generic audit row `handle()` writes after every successful mutation whose service did not
// write its own (docs/design.md §13): actor, role, token, action, target, input, result, request id.

const MAX_JSON = 20_000;
const SECRET_KEYS = /password|secret|token|key/i;

/** Request bodies with secrets blanked and big values cut, so the log stays readable and safe. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === "string") return value.length > 2_000 ? `${value.slice(0, 2_000)}… (${value.length} chars)` : value;
  if (typeof value !== "object") return value;
  if (depth > 6) return "…";
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEYS.test(k) && typeof v === "string" ? "[redacted]" : redact(v, depth + 1);
  return out;
}

function capped(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined) return undefined;
  const json = JSON.stringify(redact(value)) ?? "null";
  if (json.length <= MAX_JSON) return JSON.parse(json) as Prisma.InputJsonValue;
  return { truncated: true, chars: json.length, head: json.slice(0, 2_000) };
}

export interface RequestAudit {
  principal: Principal | null;
  requestId: string;
  method: string;
  /** Route pattern with parameter names, e.g. /api/steps/:id/label. */
  route: string;
  params: Record<string, unknown>;
  input?: unknown;
  result?: unknown;
}

export async function recordRequestAudit(entry: RequestAudit): Promise<void> {
  const segments = entry.route.split("/").filter(Boolean); // ["api", "steps", ":id", "label"]
  const entity = segments[1] ?? "api";
  const firstParam = Object.values(entry.params)[0];
  await db().auditLog.create({
    data: {
      userId: entry.principal?.userId ?? null,
      tokenId: entry.principal?.tokenId ?? null,
      role: entry.principal?.role ?? null,
      requestId: entry.requestId,
      action: `${entry.method} ${entry.route}`,
      entity,
      entityId: firstParam === undefined ? null : String(firstParam),
      data: capped({ params: entry.params, input: entry.input }),
      after: capped(entry.result),
    },
  });
}
