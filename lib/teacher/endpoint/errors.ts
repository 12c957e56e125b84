import { AppError, type ErrorCode } from "@/lib/errors";

// What can go wrong talking to an endpoint, by kind. The kinds are what a job counts ("errors by
// kind") and what decides a retry: rate limits, server errors, timeouts, dropped connections and
// garbled bodies are worth another attempt; a refused key, an unknown model or a malformed request
// are not (the same request would fail the same way).

export const ENDPOINT_ERROR_KINDS = [
  "config",
  "unreachable",
  "auth",
  "model",
  "not_found",
  "bad_request",
  "rate_limited",
  "server",
  "timeout",
  "network",
  "bad_response",
  "cancelled",
] as const;

export type EndpointErrorKind = (typeof ENDPOINT_ERROR_KINDS)[number];

const RETRYABLE: ReadonlySet<EndpointErrorKind> = new Set(["rate_limited", "server", "timeout", "network", "bad_response"]);

const CODE: Record<EndpointErrorKind, ErrorCode> = {
  config: "invalid_input",
  unreachable: "internal",
  auth: "internal",
  model: "internal",
  not_found: "internal",
  bad_request: "internal",
  rate_limited: "internal",
  server: "internal",
  timeout: "internal",
  network: "internal",
  bad_response: "internal",
  cancelled: "cancelled",
};

export class EndpointError extends AppError {
  readonly kind: EndpointErrorKind;
  /** HTTP status when the server answered. */
  readonly status: number | null;
  /** Milliseconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | null;

  constructor(kind: EndpointErrorKind, message: string, options: { status?: number | null; retryAfterMs?: number | null; code?: ErrorCode } = {}) {
    super(options.code ?? CODE[kind], message);
    this.name = "EndpointError";
    this.kind = kind;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** The same failure as bad input (a preflight: the job must not start; the CLI exits 2). */
  asInvalidInput(): EndpointError {
    return new EndpointError(this.kind, this.message, { status: this.status, retryAfterMs: this.retryAfterMs, code: "invalid_input" });
  }
}

/** The error kind an HTTP status means (for statuses that are errors). */
export function kindOfStatus(status: number): EndpointErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status === 408) return "timeout";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server";
  return "bad_request";
}
