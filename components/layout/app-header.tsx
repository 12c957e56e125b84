import Link from "next/link";
import { UserMenu, type HeaderUser } from "@/components/layout/user-menu";

const LINKS = [
  { href: "/", label: "Datasets" },
  { href: "/traces", label: "Traces" },
  { href: "/import", label: "Import" },
  { href: "/generate", label: "Generate" },
  { href: "/metrics", label: "Metrics" },
  { href: "/calibration", label: "Calibration" },
  { href: "/agreement", label: "Agreement" },
  { href: "/spare", label: "SpaRE" },
  { href: "/exports", label: "Exports" },
  { href: "/docs/tools", label: "Tools" },
];

export function AppHeader({ me, authOff = false }: { me?: HeaderUser | null; authOff?: boolean }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-[1600px] items-center gap-6 px-6 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <span aria-hidden className="grid h-6 w-6 place-items-center rounded bg-brand text-xs font-bold text-white">S</span>
          Stepwise
        </Link>
        {me ? (
          <ul className="flex items-center gap-4 text-sm text-slate-600">
            {LINKS.map((link) => (
              <li key={link.href}>
                <Link href={link.href} className="rounded px-2 py-1 hover:bg-slate-100 hover:text-slate-900">
                  {link.label}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="ml-auto flex items-center gap-3">
          {authOff ? (
            <span data-testid="auth-off" title="STEPWISE_AUTH=off: no sign-in, everyone on this machine is the local admin. Allowed on loopback only." className="rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-300">
              Single-user mode · sign-in off
            </span>
          ) : null}
          {me ? <UserMenu me={me} authOff={authOff} /> : null}
        </div>
      </nav>
    </header>
  );
}
