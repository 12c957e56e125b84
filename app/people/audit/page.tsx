import { AuditPanel } from "@/components/people/audit-panel";
import { pageUserWithRole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  const me = await pageUserWithRole("admin");
  if (!me) return <p role="alert" className="text-sm text-slate-600">Only admins read the audit log.</p>;
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Audit log</h1>
        <p className="mt-1 text-sm text-slate-500">Every change, who made it (user or token, and the role), the request it came from, and the state before and after. Rows are only ever appended.</p>
      </div>
      <AuditPanel />
    </div>
  );
}
