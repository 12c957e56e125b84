import { handle } from "@/lib/api/handler";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

export const GET = handle({}, async () => {
  await db().$queryRawUnsafe("SELECT 1");
  return { ok: true };
});
