"use client";

import { useState } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { formatJson } from "@/components/traces/json-view";
import type { InjectedFaultDto } from "@/lib/schemas/traces";
import type { StepVerdictsDto } from "@/lib/schemas/verifier";
import { RULES, type RuleId } from "@/lib/verifier/rules";

// A step's verifier verdicts: one badge per rule (pass / fail / skip), and on expand the rule's
// message and its evidence (expected vs found) verbatim. Failing rules open by default.

export const OUTCOME_TONE: Record<string, BadgeTone> = { pass: "pass", fail: "fail", skip: "neutral" };
const OUTCOME_MARK: Record<string, string> = { pass: "✓", fail: "✗", skip: "–" };

function describe(rule: string): string {
  return RULES[rule as RuleId]?.description ?? rule;
}

export function StepVerdicts({ verdicts, injected }: { verdicts: StepVerdictsDto | undefined; injected: InjectedFaultDto[] }) {
  const failing = verdicts?.verdicts.some((v) => v.outcome === "fail") ?? false;
  const [open, setOpen] = useState(failing);
  if (!verdicts && injected.length === 0) return null;
  return (
    <div data-testid="step-verdicts" className="mt-1.5 space-y-1" onClick={(e) => e.stopPropagation()}>
      <div className="flex flex-wrap items-center gap-1">
        {verdicts?.verdicts.map((v) => (
          <span key={v.rule} data-rule={v.rule} data-rule-outcome={v.outcome} title={`${v.rule}: ${v.outcome} — ${v.message ?? ""}\n${describe(v.rule)}`}>
            <Badge tone={OUTCOME_TONE[v.outcome]}>
              <span aria-hidden className="mr-0.5">{OUTCOME_MARK[v.outcome]}</span>
              {v.rule}
            </Badge>
          </span>
        ))}
        {injected.map((f) => (
          <span key={`${f.type}-${f.step}`} data-injected={f.type} title={`injected by the scripted teacher: ${f.detail}`}>
            <Badge tone="warn">injected: {f.type.replace(/_/g, " ")}</Badge>
          </span>
        ))}
        {verdicts?.verdicts.length ? (
          <button
            type="button"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
            className="ml-1 rounded px-1 text-xs text-slate-500 underline-offset-2 hover:text-slate-800 hover:underline"
          >
            {open ? "hide evidence" : "evidence"}
          </button>
        ) : null}
      </div>
      {open && verdicts ? (
        <dl className="space-y-1 rounded-md bg-slate-50 p-2 text-xs ring-1 ring-slate-200">
          {verdicts.verdicts.map((v) => (
            <div key={v.rule} data-evidence-rule={v.rule} className="grid grid-cols-[8.5rem_1fr] gap-x-2">
              <dt className="font-mono text-slate-500">{v.rule}</dt>
              <dd>
                <span className={v.outcome === "fail" ? "font-medium text-red-700" : v.outcome === "pass" ? "text-green-700" : "text-slate-500"}>{v.outcome}</span>
                {v.message ? <span className="text-slate-700"> — {v.message}</span> : null}
                {v.evidence ? <Evidence evidence={v.evidence} /> : null}
              </dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}

function Evidence({ evidence }: { evidence: unknown }) {
  const e = evidence as { expected?: unknown; found?: unknown; claim?: string };
  return (
    <div className="mt-0.5 grid gap-1 sm:grid-cols-2">
      {e.claim ? <p className="sm:col-span-2 italic text-slate-600">“{e.claim}”</p> : null}
      <div>
        <span className="text-[10px] font-semibold uppercase tracking-wide text-slate-400">expected</span>
        <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-words rounded bg-white px-1.5 py-0.5 font-mono text-[11px] ring-1 ring-slate-200">{formatJson(e.expected ?? null)}</pre>
      </div>
      <div>
        <span className="text-[10px] font-semibold uppercase tracking-wide text-slate-400">found</span>
        <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-words rounded bg-white px-1.5 py-0.5 font-mono text-[11px] ring-1 ring-red-200">{formatJson(e.found ?? null)}</pre>
      </div>
    </div>
  );
}
