import { handle } from "@/lib/api/handler";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// Public on purpose (load balancers, the e2e web server probe): says only whether the database answers.
export const GET = handle(
  {},
  async () => {
    await db().$queryRawUnsafe("SELECT 1");
    return { ok: true };
  },
  { access: "public" },
);
