import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { revokeToken } from "@/lib/services/people/tokens";

export const dynamic = "force-dynamic";

export const DELETE = handle({ params: idParams }, ({ params, actor }) => revokeToken(params.id, actor), { access: "viewer" });
