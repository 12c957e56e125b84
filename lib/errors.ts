// One error type crosses every boundary: services throw AppError, the HTTP handler maps `code`
// to a status and the CLI maps it to an exit code (2 for invalid input, 1 otherwise).

/**
 * `cancelled`: work someone stopped on purpose (a verifier run cancelled while it ran).
 * `too_large`: input over a size limit (docs/limits.md) — HTTP 413, CLI exit 2 like invalid input.
 * `unauthenticated` / `forbidden` / `unsupported_media_type`: sign-in and request checks (docs/design.md §13).
 */
export type ErrorCode =
  | "invalid_input"
  | "too_large"
  | "not_found"
  | "conflict"
  | "cancelled"
  | "internal"
  | "unauthenticated"
  | "forbidden"
  | "unsupported_media_type";

export interface ErrorDetail {
  file?: string;
  line?: number;
  path?: string;
  error: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

/**
 * Schema issues (zod's shape) as one invalid_input error: a detail per issue at `pathOf(the issue's
 * dotted path)`, and a message listing them.
 */
export function invalidInputFrom(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, pathOf: (path: string) => string): AppError {
  const details = issues.map((i) => ({ path: pathOf(i.path.join(".")), error: i.message }));
  return new AppError("invalid_input", details.map((d) => `${d.path}: ${d.error}`).join("; "), details);
}

/** `schema.safeParse(value)`'s data, or its issues as one invalid_input error (see invalidInputFrom). */
export function parseOrInvalid<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } } }, value: unknown, pathOf: (path: string) => string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInputFrom(parsed.error.issues, pathOf);
  return parsed.data;
}

export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_input: 400,
  too_large: 413,
  not_found: 404,
  conflict: 409,
  cancelled: 409,
  internal: 500,
  unauthenticated: 401,
  forbidden: 403,
  unsupported_media_type: 415,
};

/** CLI exit code: 2 for input the user can fix (invalid, or naming something that does not exist), 1 otherwise. */
export const exitCodeOf = (error: unknown): number =>
  error instanceof AppError && (error.code === "invalid_input" || error.code === "too_large" || error.code === "not_found") ? 2 : 1;

/** "file:12 $.steps[3].kind: expected one of ..." — the one place error locations are formatted. */
export function formatDetail(detail: ErrorDetail): string {
  const where = [detail.file, detail.line].filter((part) => part !== undefined).join(":");
  const path = detail.path ? ` ${detail.path}` : "";
  return `${where}${path}: ${detail.error}`.trim();
}
