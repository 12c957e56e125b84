import { AppError } from "@/lib/errors";
import { formatBytes, jsonShapeProblem, LIMITS } from "@/lib/schemas/limits";

// The one way a JSON request body is read (docs/limits.md): a declared Content-Length over the cap is
// refused before a byte is read; otherwise the body is streamed and the read aborted the moment it
// passes the cap, so a 150 MB body costs at most the cap in memory. Only then is it parsed, and its
// nesting checked (iteratively) before any schema or database code walks it.

export interface JsonBodyLimits {
  maxBytes: number;
  maxDepth: number;
}

const DEFAULT_LIMITS: JsonBodyLimits = { maxBytes: LIMITS.jsonBodyBytes, maxDepth: LIMITS.jsonBodyDepth };

export async function readJsonBody(request: Request, limits: JsonBodyLimits = DEFAULT_LIMITS): Promise<unknown> {
  const tooLarge = () =>
    new AppError("too_large", `request body is larger than the limit of ${formatBytes(limits.maxBytes)} for JSON bodies`, [
      { path: "body", error: `at most ${formatBytes(limits.maxBytes)}` },
    ]);
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limits.maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const text = await readCapped(request.body, limits.maxBytes, tooLarge);
  if (!text.trim()) throw new AppError("invalid_input", "request body is empty; expected a JSON object", [{ path: "body", error: "expected a JSON object" }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError("invalid_input", `request body is not valid JSON: ${(error as Error).message}`, [{ path: "body", error: "not valid JSON" }]);
  }
  const problem = jsonShapeProblem(value, { maxBytes: Number.POSITIVE_INFINITY, maxDepth: limits.maxDepth });
  if (problem) throw new AppError("invalid_input", `request body ${problem}`, [{ path: "body", error: problem }]);
  return value;
}

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, tooLarge: () => AppError): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}
