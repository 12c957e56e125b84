import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { email, password } from "@/lib/schemas/people";
import { completeSetup } from "@/lib/services/people/setup";

export const dynamic = "force-dynamic";

// The first admin, from the one-time setup link `npm start` prints. Public: the link's token is
// the credential (and it works only while no admin exists).
export const POST = handle(
  { body: z.object({ token: z.string().min(10).max(200), email, password, name: z.string().trim().min(1).max(100).optional() }) },
  ({ body }) => completeSetup(body),
  { status: 201, access: "public" },
);
