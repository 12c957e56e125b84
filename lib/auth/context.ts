import { AsyncLocalStorage } from "node:async_hooks";
import type { Principal } from "@/lib/auth/principal";

// The request a service runs for (docs/design.md §13): its principal and request id, set by
// `handle()` for the duration of one route call. Services that write their own audit rows stamp
// them with `auditStamp()`, which also tells `handle()` not to add a second, generic row.

export interface RequestContext {
  principal: Principal | null;
  requestId: string;
  audited: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(context: RequestContext, work: () => Promise<T>): Promise<T> {
  return storage.run(context, work);
}

export function requestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Columns every audit row carries: token, role and request id of the current request (if any). */
export function auditStamp(): { tokenId: number | null; role: string | null; requestId: string | null } {
  const context = storage.getStore();
  if (!context) return { tokenId: null, role: null, requestId: null };
  context.audited = true;
  return { tokenId: context.principal?.tokenId ?? null, role: context.principal?.role ?? null, requestId: context.requestId };
}
