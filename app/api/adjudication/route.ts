import { handle } from "@/lib/api/handler";
import { adjudicationQuery } from "@/lib/schemas/adjudication";
import { adjudicationQueue } from "@/lib/services/review/adjudication";

export const dynamic = "force-dynamic";

/** Steps whose reviewers disagree (open) or that an adjudicator decided (resolved). Admins only. */
export const GET = handle({ query: adjudicationQuery }, ({ query }) => adjudicationQueue(query), { access: "admin" });
