"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";

export function SetupForm({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    try {
      const created = await fetch("/api/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, email, password, name: form.get("name") || undefined }) });
      if (!created.ok) {
        const body = (await created.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `Setup failed (${created.status}).`);
        return;
      }
      await fetch("/api/auth/sign-in/email", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
      window.location.href = "/people";
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="mt-6 space-y-4" aria-label="Create the first admin">
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Name</span>
        <input name="name" autoComplete="name" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
      </label>
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Email</span>
        <input name="email" type="email" autoComplete="username" required className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
      </label>
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Password (8 characters or more)</span>
        <input name="password" type="password" autoComplete="new-password" minLength={8} required className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
      </label>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      <Button type="submit" variant="primary" disabled={busy}>Create admin and sign in</Button>
    </form>
  );
}
