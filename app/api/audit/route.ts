import { handle } from "@/lib/api/handler";
import { auditQuery } from "@/lib/schemas/people";
import { auditCsv, listAudit } from "@/lib/services/people/audit";

export const dynamic = "force-dynamic";

// The audit log, newest first (?before=<id> pages on); ?format=csv downloads every matching row.
export const GET = handle(
  { query: auditQuery },
  async ({ query }) => {
    if (query.format === "csv") {
      return new Response(await auditCsv(query), { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="stepwise-audit.csv"' } });
    }
    return listAudit(query);
  },
  { access: "admin" },
);
