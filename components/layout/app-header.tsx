import Link from "next/link";

const LINKS = [
  { href: "/", label: "Datasets" },
  { href: "/traces", label: "Traces" },
  { href: "/import", label: "Import" },
  { href: "/generate", label: "Generate" },
  { href: "/metrics", label: "Metrics" },
  { href: "/calibration", label: "Calibration" },
  { href: "/exports", label: "Exports" },
];

export function AppHeader() {
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-[1600px] items-center gap-6 px-6 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <span aria-hidden className="grid h-6 w-6 place-items-center rounded bg-brand text-xs font-bold text-white">S</span>
          Stepwise
        </Link>
        <ul className="flex items-center gap-4 text-sm text-slate-600">
          {LINKS.map((link) => (
            <li key={link.href}>
              <Link href={link.href} className="rounded px-2 py-1 hover:bg-slate-100 hover:text-slate-900">
                {link.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}
