import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { readJsonBody } from "@/lib/api/request-body";
import { AppError, httpStatusOf, invalidInputFrom } from "@/lib/errors";

// Every route handler: zod-parse params, query and body → one service call → JSON DTO.
// AppError codes map to HTTP statuses; anything else is a 500 with a generic message.

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
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

export function handle<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  schemas: Schemas<P, Q, B>,
  run: (input: Input<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>,
  options: { status?: number } = {},
) {
  return async (request: NextRequest, context: RouteContext): Promise<Response> => {
    try {
      const params = parse(schemas.params, await context.params, "path");
      const query = parse(schemas.query, Object.fromEntries(request.nextUrl.searchParams), "query");
      let body: unknown = undefined;
      // Bodies are read with the size and depth caps before parsing (lib/api/request-body.ts).
      if (schemas.body) body = parse(schemas.body, await readJsonBody(request), "body");
      const result = await run({ params, query, body, request } as Input<z.infer<P>, z.infer<Q>, z.infer<B>>);
      if (result instanceof Response) return result;
      return NextResponse.json(result, { status: options.status ?? 200 });
    } catch (error) {
      return errorResponse(error);
    }
  };
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
