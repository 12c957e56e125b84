"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";

export interface HeaderUser {
  name: string;
  email: string | null;
  role: string;
  via: string;
}

// The signed-in user's name and role, with their pages and sign-out.
export function UserMenu({ me, authOff }: { me: HeaderUser; authOff: boolean }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !ref.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  async function signOut() {
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    window.location.href = "/sign-in";
  }

  const admin = me.role === "admin";
  return (
    <div ref={ref} className="relative">
      <button type="button" aria-haspopup="menu" aria-expanded={open} data-testid="user-menu" onClick={() => setOpen((v) => !v)} className="flex items-center gap-2 rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100">
        <span aria-hidden className="grid h-6 w-6 place-items-center rounded-full bg-slate-200 text-xs font-semibold uppercase">{me.name.slice(0, 1)}</span>
        <span>{me.name}</span>
        <span className="rounded bg-slate-100 px-1.5 text-xs text-slate-500" data-testid="user-role">{me.role}</span>
      </button>
      {open ? (
        <div role="menu" className="absolute right-0 z-50 mt-1 w-56 rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg">
          {me.email ? <div className="px-3 py-1.5 text-xs text-slate-500">{me.email}</div> : null}
          <Link role="menuitem" href="/people/tokens" className="block px-3 py-1.5 hover:bg-slate-50" onClick={() => setOpen(false)}>API tokens</Link>
          {admin ? (
            <>
              <Link role="menuitem" href="/people" className="block px-3 py-1.5 hover:bg-slate-50" onClick={() => setOpen(false)}>Users</Link>
              <Link role="menuitem" href="/people/audit" className="block px-3 py-1.5 hover:bg-slate-50" onClick={() => setOpen(false)}>Audit log</Link>
              <Link role="menuitem" href="/adjudication" className="block px-3 py-1.5 hover:bg-slate-50" onClick={() => setOpen(false)}>Assignment &amp; adjudication</Link>
            </>
          ) : null}
          {!authOff ? (
            <button role="menuitem" type="button" onClick={signOut} className="block w-full px-3 py-1.5 text-left hover:bg-slate-50">Sign out</button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
