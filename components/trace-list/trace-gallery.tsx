"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { useShortcuts } from "@/components/ui/use-shortcuts";
import type { ShortcutCommand } from "@/lib/shortcuts";
import type { TraceListItem } from "@/lib/schemas/traces";

// The trace list as a gallery (FiftyOne-style, docs/design.md §6 "Gallery"): one thumbnail per trace
// — the stored image at a fixed size, loaded lazily — framed in its verdict colour (valid green,
// invalid red, unverified grey), with quality, question and answer on hover and focus. Arrow keys
// move the selection (lib/shortcuts.ts, scope "gallery"), Enter opens the trace. It shows the same
// page as the table, so pagination and filters are the list's.

const FRAME = { valid: "ring-green-500", invalid: "ring-red-500", unverified: "ring-slate-300" } as const;

const verdictOf = (t: TraceListItem): keyof typeof FRAME => (t.valid === null ? "unverified" : t.valid ? "valid" : "invalid");

/** How many tiles share the first row (the grid is responsive, so it is measured, not assumed). */
function columnsOf(grid: HTMLElement | null): number {
  const tiles = grid ? [...grid.querySelectorAll<HTMLElement>("[data-gallery-tile]")] : [];
  if (tiles.length === 0) return 1;
  const top = tiles[0].offsetTop;
  return Math.max(1, tiles.filter((t) => t.offsetTop === top).length);
}

export function TraceGallery({ items }: { items: TraceListItem[] }) {
  const router = useRouter();
  const grid = useRef<HTMLUListElement>(null);
  const [selected, setSelected] = useState(0);
  const withImages = items.filter((t) => t.imageId !== null).length;

  const select = (index: number) => {
    const next = Math.min(items.length - 1, Math.max(0, index));
    setSelected(next);
    grid.current?.querySelectorAll<HTMLElement>("[data-gallery-tile] a")[next]?.focus();
  };
  useShortcuts("gallery", (command: ShortcutCommand) => {
    const columns = columnsOf(grid.current);
    if (command === "galleryRight") select(selected + 1);
    else if (command === "galleryLeft") select(selected - 1);
    else if (command === "galleryDown") select(selected + columns);
    else if (command === "galleryUp") select(selected - columns);
    else if (command === "galleryOpen" && items[selected]) router.push(`/traces/${items[selected].id}`);
  });

  return (
    <div className="space-y-2">
      {withImages === 0 ? (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="gallery-no-images">
          None of the traces on this page has an image (text-only traces, or images not imported): the tiles show their questions instead.
        </p>
      ) : null}
      <p className="text-xs text-slate-500">
        Frame: <span className="text-green-700">valid</span> · <span className="text-red-700">invalid</span> · <span className="text-slate-500">not verified</span>. Arrow keys move, Enter opens.
      </p>
      <ul ref={grid} className="grid grid-cols-2 gap-3 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-5 xl:grid-cols-6" data-testid="trace-gallery" aria-label="Traces as thumbnails">
        {items.map((t, index) => {
          const verdict = verdictOf(t);
          return (
            <li key={t.id} data-gallery-tile data-trace-id={t.id} data-verdict={verdict} aria-current={index === selected ? "true" : undefined}>
              <Link
                href={`/traces/${t.id}`}
                onFocus={() => setSelected(index)}
                title={`${t.question}\nquality ${t.quality === null ? "—" : t.quality.toFixed(2)} · ${verdict}${t.finalAnswer ? ` · answer ${t.finalAnswer}` : ""}`}
                className={`group relative block overflow-hidden rounded-lg bg-slate-100 ring-4 ${FRAME[verdict]} outline-none focus-visible:ring-brand ${index === selected ? "ring-offset-2" : ""}`}
              >
                {t.imageId !== null ? (
                  // eslint-disable-next-line @next/next/no-img-element -- our own image route (signed-in cookie, immutable cache), shown at a fixed size
                  <img src={`/api/images/${t.imageId}`} alt={t.question} loading="lazy" decoding="async" width={240} height={180} className="aspect-[4/3] h-auto w-full object-cover" data-testid="gallery-thumb" />
                ) : (
                  <span className="flex aspect-[4/3] w-full items-center justify-center p-3 text-center text-xs text-slate-500">{t.question}</span>
                )}
                <span className="absolute left-1 top-1 rounded bg-white/90 px-1.5 py-0.5 text-[11px] font-medium tabular-nums text-slate-800 shadow-sm">
                  {t.quality === null ? "—" : t.quality.toFixed(2)}
                </span>
                {t.decision ? (
                  <span className={`absolute right-1 top-1 rounded px-1.5 py-0.5 text-[11px] font-medium text-white shadow-sm ${t.decision === "accept" ? "bg-green-600" : "bg-red-600"}`}>{t.decision}</span>
                ) : null}
                <span className="absolute inset-x-0 bottom-0 translate-y-full bg-slate-900/80 p-2 text-xs text-white transition-transform group-hover:translate-y-0 group-focus-visible:translate-y-0">
                  <span className="line-clamp-3">{t.question}</span>
                  {t.failingRules.length ? <span className="mt-1 block font-mono text-[10px] text-red-200">{t.failingRules.join(", ")}</span> : null}
                </span>
              </Link>
              <span className="mt-1 block truncate font-mono text-[11px] text-slate-500">{t.externalId}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
