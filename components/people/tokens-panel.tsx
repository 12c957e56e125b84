"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { peopleQueries, usePeopleMutations } from "@/lib/queries/people";
import type { CreatedTokenDto } from "@/lib/schemas/people";

const SCOPES_FOR: Record<string, string[]> = { viewer: ["read"], reviewer: ["read", "review"], admin: ["read", "review", "admin"] };

export function TokensPanel({ role }: { role: string }) {
  const admin = role === "admin";
  const [all, setAll] = useState(false);
  const tokens = useQuery(peopleQueries.tokens(all));
  const mutations = usePeopleMutations();
  const [created, setCreated] = useState<CreatedTokenDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      setCreated(await mutations.createToken.mutateAsync({ scope: String(form.get("scope")), name: String(form.get("name") || "") || undefined, expiresIn: String(form.get("expires") || "") || undefined }));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="space-y-6">
      <form onSubmit={create} aria-label="Create a token" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <label className="text-sm">Name<input name="name" maxLength={32} placeholder="laptop CLI" className="mt-1 block rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="text-sm">Scope
          <select name="scope" className="mt-1 block rounded-md border border-slate-300 px-2 py-1">{(SCOPES_FOR[role] ?? ["read"]).map((s) => <option key={s}>{s}</option>)}</select>
        </label>
        <label className="text-sm">Expires in
          <select name="expires" defaultValue="30d" className="mt-1 block rounded-md border border-slate-300 px-2 py-1">
            <option value="7d">7 days</option><option value="30d">30 days</option><option value="90d">90 days</option><option value="365d">1 year</option><option value="">never</option>
          </select>
        </label>
        <Button type="submit" variant="primary" disabled={mutations.createToken.isPending}>Create token</Button>
      </form>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {created ? (
        <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
          <p className="font-medium">Copy this token now — it will not be shown again.</p>
          <code data-testid="new-token" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono">{created.token}</code>
          <Button className="mt-2" onClick={() => void navigator.clipboard?.writeText(created.token)}>Copy</Button>
        </div>
      ) : null}
      {admin ? <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Everyone&apos;s tokens</label> : null}
      {tokens.data && tokens.data.length === 0 ? <EmptyState title="No tokens yet">Create one above for the CLI or a script.</EmptyState> : null}
      {tokens.data && tokens.data.length > 0 ? (
        <table className="w-full border-collapse text-sm" data-testid="tokens-table">
          <thead><tr className="border-b border-slate-200 text-left text-slate-500"><th className="py-2">Name</th>{all ? <th>User</th> : null}<th>Starts with</th><th>Scope</th><th>Expires</th><th>Last used</th><th /></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} className="border-b border-slate-100">
                <td className="py-2">{t.name ?? <span className="text-slate-400">—</span>}</td>
                {all ? <td>{t.user}</td> : null}
                <td className="font-mono text-xs">{t.start}…</td>
                <td><Badge tone={t.scope === "admin" ? "warn" : "neutral"}>{t.scope}</Badge></td>
                <td>{t.expired ? <Badge tone="fail">expired</Badge> : t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : "never"}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}</td>
                <td className="text-right"><Button variant="ghost" onClick={() => mutations.revokeToken.mutate(t.id)}>Revoke</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
