"use client";

import { useRouter } from "next/navigation";
import type { MouseEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { TRACE_COLUMNS, type TraceColumn } from "@/lib/schemas/trace-list";
import type { TraceListItem } from "@/lib/schemas/traces";

/**
 * The trace list as a table; `cols` (URL state, lib/schemas/trace-list.ts) hides the others.
 * A client component on purpose: the page then sends the rows as data (~0.3 KB each) rather than
 * as a server-rendered element tree (~2 KB of classes and markup each, serialised into the page's
 * RSC payload on top of its HTML) — a third of /traces' server CPU (bench/README.md "load").
 * Its links are plain anchors with one click handler on the table doing the client-side navigation
 * a next/link would (150 Link components were most of the table's render on the server), and the
 * cells' padding is set once on the table rather than on each of the 400 cells.
 */
export function TraceTable({ items, cols = [...TRACE_COLUMNS] }: { items: TraceListItem[]; cols?: TraceColumn[] }) {
  const show = new Set(cols);
  const router = useRouter();
  // a plain left click on a link of this app navigates on the client; other clicks (new tab, modifiers) are the browser's
  const navigate = (event: MouseEvent<HTMLTableElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element).closest("a");
    if (!link || link.target || link.origin !== window.location.origin) return;
    event.preventDefault();
    router.push(`${link.pathname}${link.search}`);
  };
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm [&_td]:px-3 [&_td]:py-2" onClick={navigate}>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Trace</th>
            {show.has("question") ? <th data-col="question" className="px-3 py-2 font-medium">Question</th> : null}
            {show.has("method") ? <th data-col="method" className="px-3 py-2 font-medium">Method</th> : null}
            {show.has("steps") ? <th data-col="steps" className="px-3 py-2 text-right font-medium">Steps</th> : null}
            {show.has("answer") ? <th data-col="answer" className="px-3 py-2 font-medium">Answer</th> : null}
            {show.has("quality") ? <th data-col="quality" className="px-3 py-2 text-right font-medium">Quality</th> : null}
            {show.has("verifier") ? <th data-col="verifier" className="px-3 py-2 font-medium">Verifier</th> : null}
            {show.has("human") ? <th data-col="human" className="px-3 py-2 font-medium">Human</th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((t) => (
            <tr key={t.id} data-trace-id={t.id} className="hover:bg-slate-50">
              <td className="whitespace-nowrap">
                <a href={`/traces/${t.id}`} className="font-mono text-xs text-brand hover:underline">{t.externalId}</a>
              </td>
              {show.has("question") ? (
<td className="max-w-xl">
                <a href={`/traces/${t.id}`} className="line-clamp-2 text-slate-800 hover:underline">{t.question}</a>
              </td>
              ) : null}
              {show.has("method") ? (
<td><Badge>{t.method}</Badge></td>
              ) : null}
              {show.has("steps") ? (
<td className="text-right tabular-nums">{t.stepCount}</td>
              ) : null}
              {show.has("answer") ? (
<td>
                <span className="font-mono text-xs">{t.finalAnswer || "—"}</span>
                {t.answer !== null && t.finalAnswer !== null ? (
                  <span className="ml-1">{t.answer === t.finalAnswer ? <Badge tone="pass">✓</Badge> : <Badge tone="fail" title={`ground truth: ${t.answer}`}>✗</Badge>}</span>
                ) : null}
              </td>
              ) : null}
              {show.has("quality") ? (
<td className="text-right tabular-nums">
                {t.quality === null ? <span className="text-slate-400">—</span> : t.quality.toFixed(2)}
              </td>
              ) : null}
              {show.has("verifier") ? (
              <td data-valid={t.valid === null ? undefined : String(t.valid)} data-failing-rules={t.failingRules.join(",")}>
                {t.valid === null ? (
                  <span className="text-xs text-slate-400">not verified</span>
                ) : t.valid ? (
                  <Badge tone="pass">valid</Badge>
                ) : (
                  <span className="flex flex-wrap items-center gap-1">
                    <Badge tone="fail" title={t.failingRules.join(", ")}>{t.failingSteps ? `${t.failingSteps} failing` : "invalid"}</Badge>
                    {t.failingRules.slice(0, 2).map((rule) => (
                      <a key={rule} href={`/traces?${new URLSearchParams({ dataset: t.dataset, rule })}`} className="font-mono text-[11px] text-slate-500 hover:text-brand hover:underline" title={`traces failing ${rule}`}>
                        {rule}
                      </a>
                    ))}
                    {t.failingRules.length > 2 ? <span className="text-[11px] text-slate-400">+{t.failingRules.length - 2}</span> : null}
                  </span>
                )}
                {t.disagreements > 0 ? (
                  <span className="ml-1 text-[11px] text-amber-700" title="steps where reviewers' labels and the verifier disagree (imported labels do not count)">⚠ {t.disagreements} disagree</span>
                ) : null}
              </td>
              ) : null}
              {show.has("human") ? (
              <td>
                {t.decision ? <Badge tone={t.decision === "accept" ? "pass" : "fail"}>{t.decision}</Badge> : <span className="text-xs text-slate-400">{t.labelState}</span>}
              </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
