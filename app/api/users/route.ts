import { handle } from "@/lib/api/handler";
import { createUserBody } from "@/lib/schemas/people";
import { createUser, listUsers } from "@/lib/services/people/users";

export const dynamic = "force-dynamic";

export const GET = handle({}, () => listUsers(), { access: "admin" });
export const POST = handle({ body: createUserBody }, ({ body, actor }) => createUser(body, actor.userId), { status: 201, access: "admin" });
