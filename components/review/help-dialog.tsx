"use client";

import { Dialog } from "@/components/ui/dialog";
import { KEYMAP } from "@/lib/shortcuts";

/** Generated from the keymap: the help can never disagree with what the keys do. */
export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const groups = [...new Set(KEYMAP.map((s) => s.group))];
  return (
    <Dialog title="Keyboard shortcuts" open={open} onClose={onClose}>
      <div className="grid gap-4 sm:grid-cols-2">
        {groups.map((group) => (
          <section key={group}>
            <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{group}</h3>
            <dl className="space-y-1 text-sm">
              {KEYMAP.filter((s) => s.group === group).map((s) => (
                <div key={s.command} className="flex items-center justify-between gap-3">
                  <dt className="text-slate-700">{s.description}</dt>
                  <dd><kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{s.label}</kbd></dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="mt-4 text-xs text-slate-500">Keys never fire while you type in a field. Clicking a box on the image lists the steps that mention its object.</p>
    </Dialog>
  );
}
