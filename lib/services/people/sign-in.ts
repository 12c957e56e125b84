import crypto from "node:crypto";
import { db } from "@/lib/db";

// Audit rows for better-auth's own mutations (sign-in, failed sign-in, sign-out), which do not
// pass through handle().

export async function recordSignIn(request: Request, response: Response): Promise<void> {
  const action = new URL(request.url).pathname.replace(/^\/api\/auth\//, "");
  let userId: number | null = null;
  let after: { email?: string; ok: boolean; status: number } = { ok: response.ok, status: response.status };
  if (action === "sign-in/email") {
    try {
      const body = (await response.clone().json()) as { user?: { id?: string; email?: string } };
      if (body.user?.id) userId = Number(body.user.id);
      if (body.user?.email) after = { ...after, email: body.user.email };
    } catch {
      // an error body: the status says it
    }
  }
  await db().auditLog.create({
    data: { userId, action: `auth.${action}`, entity: "session", role: null, requestId: request.headers.get("x-request-id")?.slice(0, 100) || crypto.randomUUID(), after },
  });
}
