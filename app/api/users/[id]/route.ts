import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { updateUserBody } from "@/lib/schemas/people";
import { updateUser } from "@/lib/services/people/users";

export const dynamic = "force-dynamic";

export const PATCH = handle({ params: idParams, body: updateUserBody }, ({ params, body, actor }) => updateUser(params.id, body, actor.userId), { access: "admin" });
