import { handle } from "@/lib/api/handler";
import { adjudicateBody } from "@/lib/schemas/adjudication";
import { idParams } from "@/lib/schemas/ids";
import { adjudicateStep } from "@/lib/services/review/adjudication";

export const dynamic = "force-dynamic";

/** { label, comment? }: the gold label of a step, overriding its reviewers' labels. Admins only. */
export const POST = handle({ params: idParams, body: adjudicateBody }, ({ params, body, actor }) => adjudicateStep(params.id, body, actor), { access: "admin" });
