"use client";

import { usePathname, useRouter } from "next/navigation";

/** Switches the page's ?dataset= (agreement and adjudication pages). */
export function DatasetPicker({ datasets, value }: { datasets: string[]; value: string }) {
  const router = useRouter();
  const pathname = usePathname();
  return (
    <label className="text-sm text-slate-600">
      Dataset{" "}
      <select aria-label="Dataset" value={value} onChange={(e) => router.push(`${pathname}?dataset=${encodeURIComponent(e.target.value)}`)} className="ml-1 rounded-md border border-slate-300 px-2 py-1">
        {datasets.map((d) => <option key={d}>{d}</option>)}
      </select>
    </label>
  );
}
