"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { auditUrl, peopleQueries } from "@/lib/queries/people";

const FIELDS = [
  { key: "user", label: "User (name or email)" },
  { key: "action", label: "Action contains" },
  { key: "entity", label: "Target type" },
  { key: "entityId", label: "Target id" },
  { key: "since", label: "Since (YYYY-MM-DD)" },
] as const;

const short = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value).slice(0, 160));

export function AuditPanel() {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [before, setBefore] = useState<string>("");
  const query = useQuery(peopleQueries.audit({ ...filters, ...(before ? { before } : {}) }));
  return (
    <div className="space-y-4">
      <form aria-label="Filter the audit log" className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
        {FIELDS.map((f) => (
          <label key={f.key} className="text-sm">{f.label}
            <input value={filters[f.key] ?? ""} onChange={(e) => { setBefore(""); setFilters((old) => ({ ...old, [f.key]: e.target.value })); }} className="mt-1 block rounded-md border border-slate-300 px-2 py-1" />
          </label>
        ))}
        <a href={auditUrl(filters, { format: "csv" })} className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium shadow-sm hover:bg-slate-50" download>Download CSV</a>
      </form>
      {query.error ? <p role="alert" className="text-sm text-red-700">{query.error.message}</p> : null}
      {query.data && query.data.rows.length === 0 ? <EmptyState title="No audit rows match" /> : null}
      {query.data && query.data.rows.length > 0 ? (
        <table className="w-full border-collapse text-xs" data-testid="audit-table">
          <thead><tr className="border-b border-slate-200 text-left text-slate-500"><th className="py-2">Time</th><th>Actor</th><th>Role</th><th>Action</th><th>Target</th><th>Before</th><th>After / input</th><th>Request</th></tr></thead>
          <tbody>
            {query.data.rows.map((r) => (
              <tr key={r.id} className="border-b border-slate-100 align-top" data-testid="audit-row">
                <td className="py-1.5 whitespace-nowrap">{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.user ?? "—"}{r.tokenId ? <span className="text-slate-400"> (token {r.tokenId})</span> : null}</td>
                <td>{r.role ?? ""}</td>
                <td className="font-mono">{r.action}{r.undone ? <span className="text-slate-400"> (undone)</span> : null}</td>
                <td className="font-mono">{r.entity}{r.entityId ? ` ${r.entityId}` : ""}</td>
                <td className="max-w-48 truncate font-mono" title={short(r.before)}>{short(r.before)}</td>
                <td className="max-w-64 truncate font-mono" title={short(r.after ?? r.data)}>{short(r.after ?? r.data)}</td>
                <td className="font-mono text-slate-400">{r.requestId?.slice(0, 8)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {query.data?.next ? <Button onClick={() => setBefore(String(query.data.next))}>Older</Button> : null}
      {before ? <Button variant="ghost" onClick={() => setBefore("")}>Newest</Button> : null}
    </div>
  );
}
