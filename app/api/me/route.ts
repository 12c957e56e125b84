import { handle } from "@/lib/api/handler";
import { authMode } from "@/lib/auth/hosts";
import type { MeDto } from "@/lib/schemas/people";

export const dynamic = "force-dynamic";

// Who the request is: the signed-in user (or the token's owner) with the role it acts with.
export const GET = handle({}, async ({ actor }): Promise<MeDto> => ({ id: actor.userId, name: actor.name, email: actor.email, role: actor.role, via: actor.via, authMode: authMode() }));
