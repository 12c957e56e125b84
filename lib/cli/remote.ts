import { AppError, type ErrorCode } from "@/lib/errors";

// The CLI against a running server (docs/design.md §13): with STEPWISE_URL and STEPWISE_TOKEN set,
// the commands that support it (users, tokens, datasets) call the HTTP API with the token instead
// of opening the local database. Everything else stays local.

export interface RemoteTarget {
  url: string;
  token: string;
}

export function remoteTarget(): RemoteTarget | null {
  const url = process.env.STEPWISE_URL?.trim();
  const token = process.env.STEPWISE_TOKEN?.trim();
  if (!url || !token) return null;
  return { url: url.replace(/\/+$/, ""), token };
}

export async function remoteJson<T>(target: RemoteTarget, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${target.token}`, accept: "application/json", ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (error) {
    throw new AppError("internal", `cannot reach ${target.url} (STEPWISE_URL): ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: [] } } | null;
  if (!response.ok) {
    const code = (body?.error?.code ?? "internal") as ErrorCode;
    const hint = response.status === 401 ? " (is STEPWISE_TOKEN valid and unexpired?)" : "";
    throw new AppError(code, `${target.url}${path}: ${body?.error?.message ?? `HTTP ${response.status}`}${hint}`, body?.error?.details ?? []);
  }
  return body as T;
}
