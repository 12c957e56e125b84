import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as applyRoute } from "@/app/api/traces/bulk/route";
import { POST as previewRoute } from "@/app/api/traces/bulk/preview/route";
import { POST as undoRoute } from "@/app/api/reviews/undo/route";
import { db } from "@/lib/db";
import { createTestDataset, insertTestRun } from "@/lib/services/calibration/calibration-test-data";
import { createToken } from "@/lib/services/people/tokens";
import { createUser } from "@/lib/services/people/users";

// The bulk routes through handle() on a real SQLite file: a reviewer's token previews and applies,
// the labels are that user's and the one audit row carries the token, role and request id; a
// viewer's token is refused; a body with an unknown key is a 400 naming it.

let reviewer = "";
let viewer = "";

function call(handler: (r: NextRequest, c: { params: Promise<Record<string, string>> }) => Promise<Response>, url: string, token: string, body: unknown, requestId?: string) {
  const request = new NextRequest(`http://127.0.0.1:3000${url}`, {
    method: "POST",
    headers: { host: "127.0.0.1:3000", authorization: `Bearer ${token}`, "content-type": "application/json", ...(requestId ? { "x-request-id": requestId } : {}) },
    body: JSON.stringify(body),
  });
  return handler(request, { params: Promise.resolve({}) });
}

beforeAll(async () => {
  const data = await createTestDataset("bulk-route", [{ externalId: "R1", steps: [{ kind: "reasoning" }, { kind: "answer" }] }]);
  const { runId } = await insertTestRun({ datasetId: data.id, rules: { "reasoning.claims": { enabled: true, weight: 1 } }, verdicts: data.traces[0].steps.map((s) => ({ stepId: s.id, rule: "reasoning.claims", outcome: "pass" as const })) });
  await db().trace.update({ where: { id: data.traces[0].id }, data: { runId, valid: true, quality: 1 } });
  await createUser({ email: "rita@example.org", password: "rita-pass-123", role: "reviewer", name: "rita" });
  await createUser({ email: "vic@example.org", password: "vic-pass-1234", role: "viewer", name: "vic" });
  reviewer = (await createToken({ scope: "review", email: "rita@example.org" }, null)).token;
  viewer = (await createToken({ scope: "read", email: "vic@example.org" }, null)).token;
});

describe("bulk routes", () => {
  const body = { filter: { dataset: "bulk-route" }, action: { kind: "accept_passed_steps" } };

  it("a reviewer previews and applies; labels and the audit row are theirs; undo reverts", async () => {
    const preview = await call(previewRoute, "/api/traces/bulk/preview", reviewer, body);
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ items: 2, traces: 1 });
    const applied = await call(applyRoute, "/api/traces/bulk", reviewer, { ...body, expectedItems: 2 }, "req-bulk-route");
    expect(applied.status, await applied.clone().text()).toBe(200);
    const result = (await applied.json()) as { id: number; items: number };
    expect(result.items).toBe(2);
    expect(await db().review.count({ where: { current: true, user: { name: "rita" }, label: "accept" } })).toBe(2);
    const audit = await db().auditLog.findMany({ where: { requestId: "req-bulk-route" } });
    expect(audit).toHaveLength(1); // the service's own row, no second generic one
    expect(audit[0]).toMatchObject({ action: "review.bulk", entity: "bulk", entityId: String(result.id), role: "reviewer" });
    expect(audit[0].tokenId).not.toBeNull();
    const undone = await call(undoRoute, "/api/reviews/undo", reviewer, { bulk: result.id });
    expect(undone.status).toBe(200);
    expect(await undone.json()).toMatchObject({ undone: "bulk", bulk: { reverted: 2 } });
    expect(await db().review.count({ where: { current: true, user: { name: "rita" } } })).toBe(0);
  });

  it("refuses a viewer, an unknown key and a filter key the list does not know", async () => {
    expect((await call(applyRoute, "/api/traces/bulk", viewer, body)).status).toBe(403);
    expect((await call(previewRoute, "/api/traces/bulk/preview", viewer, body)).status).toBe(403);
    const unknown = await call(applyRoute, "/api/traces/bulk", reviewer, { ...body, user: "someone-else" });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toMatch(/user/);
    const filterKey = await call(previewRoute, "/api/traces/bulk/preview", reviewer, { ...body, filter: { dataset: "bulk-route", cursor: "5" } });
    expect(filterKey.status).toBe(400);
    expect(await db().bulkAction.count({ where: { userId: (await db().user.findUniqueOrThrow({ where: { name: "vic" } })).id } })).toBe(0);
  });
});
