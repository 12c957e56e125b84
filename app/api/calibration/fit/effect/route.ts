import { handle } from "@/lib/api/handler";
import { fitEffectBody } from "@/lib/schemas/calibration";
import { fitEffect } from "@/lib/services/calibration/fit-effect";

export const dynamic = "force-dynamic";

/** What a fitted config would change on its run (nothing is written; POST because the proposal is a body). Reviewers and up, as Fit is. */
export const POST = handle({ body: fitEffectBody }, ({ body }) => fitEffect(body));
