"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { peopleQueries, usePeopleMutations } from "@/lib/queries/people";
import type { UserDto } from "@/lib/schemas/people";

const ROLES = ["viewer", "reviewer", "admin"];

export function UsersPanel({ initial, meId }: { initial: UserDto[]; meId: number }) {
  const { data: users = initial } = useQuery({ ...peopleQueries.users(), initialData: initial });
  const mutations = usePeopleMutations();
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    try {
      await mutations.createUser.mutateAsync({ email: String(form.get("email")), password: String(form.get("password")), role: String(form.get("role")), name: String(form.get("name") || "") || undefined });
      formElement.reset();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const update = (id: number, body: { role?: string; disabled?: boolean }) => mutations.updateUser.mutate({ id, ...body }, { onError: (e) => setError(e.message) });

  return (
    <div className="space-y-6">
      <form onSubmit={create} aria-label="Add a user" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <label className="text-sm">Name<input name="name" className="mt-1 block rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="text-sm">Email<input name="email" type="email" required className="mt-1 block rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="text-sm">Password<input name="password" type="password" minLength={8} required autoComplete="new-password" className="mt-1 block rounded-md border border-slate-300 px-2 py-1" /></label>
        <label className="text-sm">Role
          <select name="role" defaultValue="reviewer" className="mt-1 block rounded-md border border-slate-300 px-2 py-1">
            {ROLES.map((r) => <option key={r}>{r}</option>)}
          </select>
        </label>
        <Button type="submit" variant="primary" disabled={mutations.createUser.isPending}>Add user</Button>
      </form>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      <table className="w-full border-collapse text-sm" data-testid="users-table">
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-500"><th className="py-2">Name</th><th>Email</th><th>Role</th><th>Sign-in</th><th /></tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className="border-b border-slate-100" data-testid={`user-${u.name}`}>
              <td className="py-2 font-medium">{u.name}{u.id === meId ? <span className="ml-1 text-xs text-slate-400">(you)</span> : null}</td>
              <td>{u.email ?? <span className="text-slate-400">— (label source, cannot sign in)</span>}</td>
              <td>
                <select aria-label={`Role of ${u.name}`} value={u.role} disabled={u.id === meId || !u.email} onChange={(e) => update(u.id, { role: e.target.value })} className="rounded border border-slate-300 px-1 py-0.5">
                  {ROLES.map((r) => <option key={r}>{r}</option>)}
                </select>
              </td>
              <td>{u.disabled ? <Badge tone="fail">disabled</Badge> : u.canSignIn ? <Badge tone="pass">yes</Badge> : <Badge>no</Badge>}</td>
              <td className="text-right">
                {u.email && u.id !== meId ? <Button variant="ghost" onClick={() => update(u.id, { disabled: !u.disabled })}>{u.disabled ? "Enable" : "Disable"}</Button> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
