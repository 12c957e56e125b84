import { handle } from "@/lib/api/handler";
import { labelBoxBody } from "@/lib/schemas/boxes";
import { idParams } from "@/lib/schemas/ids";
import { labelHumanBox } from "@/lib/services/scenes/scene-edit";

export const dynamic = "force-dynamic";

// PUT /api/boxes/:id/object — label a human box (category, attributes) as an object of its photo's
// scene; the traces on the scene are verified again (docs/design.md §3). A reviewer's mutation
// (handle()'s default access); the label is recorded under the signed-in user.
export const PUT = handle({ params: idParams, body: labelBoxBody }, ({ params, body, actor }) => labelHumanBox(params.id, { ...body, user: actor.name }));
