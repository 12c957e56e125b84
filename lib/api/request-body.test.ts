import { describe, expect, it } from "vitest";
import { readJsonBody } from "@/lib/api/request-body";
import { LIMITS } from "@/lib/schemas/limits";

// The one JSON body reader: capped before parsing, aborting the read at the cap (a 150 MB body is
// never buffered), nesting checked iteratively, every refusal naming the limit.

/** A body of `total` bytes of JSON-ish text produced on demand; counts what was pulled. */
function hugeBody(total: number) {
  const chunk = new TextEncoder().encode(`[${"1,".repeat(32 * 1024)}`.slice(0, 64 * 1024));
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) return controller.close();
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1/api/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("readJsonBody", () => {
  it("stops reading a 150 MB body at the 1 MB cap (413 naming the limit)", async () => {
    const { stream, state } = hugeBody(150 * 1024 * 1024);
    await expect(readJsonBody(post(stream))).rejects.toMatchObject({ code: "too_large", message: expect.stringContaining("1 MB") });
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(LIMITS.jsonBodyBytes + 256 * 1024);
  });

  it("refuses a declared Content-Length over the cap without reading the body", async () => {
    const { stream, state } = hugeBody(10 * 1024 * 1024);
    await expect(readJsonBody(post(stream, { "content-length": String(10 * 1024 * 1024) }))).rejects.toMatchObject({ code: "too_large" });
    expect(state.pulled).toBeLessThanOrEqual(64 * 1024 * 2);
  });

  it("refuses nesting past the body depth before any schema walks it", async () => {
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    await expect(readJsonBody(post(deep))).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining(`${LIMITS.jsonBodyDepth} levels`) });
  });

  it("refuses 1e999 (parses to Infinity) naming where it is", async () => {
    await expect(readJsonBody(post('{"a":{"b":[1,1e999]}}'))).rejects.toMatchObject({ message: expect.stringContaining("$.a.b[1]") });
  });

  it("says what is wrong with empty and malformed bodies", async () => {
    await expect(readJsonBody(post(null))).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("empty") });
    await expect(readJsonBody(post("{nope"))).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("not valid JSON") });
  });

  it("reads a body just under the cap, multi-byte text intact", async () => {
    const text = JSON.stringify({ s: "é✓".repeat(1000), pad: "x".repeat(LIMITS.jsonBodyBytes - 10_000) });
    expect(((await readJsonBody(post(text))) as { s: string }).s).toBe("é✓".repeat(1000));
  });
});
