import crypto from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { readJsonBody } from "@/lib/api/request-body";
import { runInRequest, type RequestContext } from "@/lib/auth/context";
import { assertJson, authorize } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/principal";
import { defaultAccess, isMutation, type Access } from "@/lib/auth/roles";
import { AppError, httpStatusOf, invalidInputFrom } from "@/lib/errors";
import { recordRequestAudit } from "@/lib/services/people/audit-write";

// Every route handler: check who asks → zod-parse params, query and body → one service call → JSON DTO.
// AppError codes map to HTTP statuses; anything else is a 500 with a generic message.
//
// Access (docs/design.md §13) is checked here so a new route is protected without doing anything:
// GET/HEAD need a viewer, every other method a reviewer; `access: "admin"` or `"public"` says
// otherwise. A successful mutation leaves an audit row unless its service wrote its own.

interface Schemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params?: P;
  query?: Q;
  body?: B;
}

interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: NextRequest;
  /** The signed-in user or token owner; null only on `access: "public"` routes. */
  actor: Principal;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/** Marks handlers made by `handle()` with their access; the generated route test requires it on every export. */
export const GUARDED = Symbol.for("stepwise.guarded");

export function handle<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  schemas: Schemas<P, Q, B>,
  run: (input: Input<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>,
  options: { status?: number; access?: Access } = {},
) {
  const handler = async (request: NextRequest, context: RouteContext): Promise<Response> => {
    try {
      const principal = await authorize(request.headers, request.method, options.access ?? defaultAccess(request.method));
      // static routes get no params object
      const rawParams = (await context?.params) ?? {};
      const params = parse(schemas.params, rawParams, "path");
      const query = parse(schemas.query, Object.fromEntries(request.nextUrl.searchParams), "query");
      let body: unknown = undefined;
      // Only application/json (415 otherwise), then read with the size and depth caps before parsing
      // (lib/api/request-body.ts).
      if (schemas.body) {
        assertJson(request.headers);
        body = parse(schemas.body, await readJsonBody(request), "body");
      }
      const state: RequestContext = { principal, requestId: request.headers.get("x-request-id")?.slice(0, 100) || crypto.randomUUID(), audited: false };
      const result = await runInRequest(state, () => run({ params, query, body, request, actor: principal } as Input<z.infer<P>, z.infer<Q>, z.infer<B>>));
      // a route that answers with its own error Response (multipart imports) changed nothing: no audit row
      const failed = result instanceof Response && result.status >= 400;
      if (isMutation(request.method) && !state.audited && !failed) {
        await recordRequestAudit({ principal, requestId: state.requestId, method: request.method, route: routeOf(request.nextUrl.pathname, rawParams), params: rawParams, input: body, result: result instanceof Response ? { status: result.status } : result });
      }
      if (result instanceof Response) return result;
      return NextResponse.json(result, { status: options.status ?? 200 });
    } catch (error) {
      return errorResponse(error);
    }
  };
  return Object.assign(handler, { [GUARDED]: options.access ?? "default" });
}

/** /api/steps/40/label with {id:"40"} → /api/steps/:id/label */
function routeOf(pathname: string, params: Record<string, string | string[]>): string {
  const byValue = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) byValue.set(v, name);
  return pathname
    .split("/")
    .map((segment) => (byValue.has(decodeURIComponent(segment)) ? `:${byValue.get(decodeURIComponent(segment))}` : segment))
    .join("/");
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInputFrom(result.error.issues, (path) => `${where}.${path}`);
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    return NextResponse.json({ error: { code: error.code, message: error.message, details: error.details } }, { status: httpStatusOf[error.code] });
  }
  console.error(error);
  return NextResponse.json({ error: { code: "internal", message: "internal error" } }, { status: 500 });
}
