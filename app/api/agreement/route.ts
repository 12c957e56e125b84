import { handle } from "@/lib/api/handler";
import { agreementQuery } from "@/lib/schemas/adjudication";
import { agreementReport } from "@/lib/services/review/agreement";

export const dynamic = "force-dynamic";

/** Inter-reviewer agreement of a dataset: α, κ, AC1, raw agreement, per reviewer and per trace. */
export const GET = handle({ query: agreementQuery }, ({ query }) => agreementReport(query.dataset));
