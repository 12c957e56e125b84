"use client";

import { labelAuthor } from "@/components/review/review-step";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { VerificationSummary } from "@/components/verdicts/verification-summary";
import type { ReviewDto, TraceDetail } from "@/lib/schemas/traces";
import { shortcutFor } from "@/lib/shortcuts";

// The trace's question, answers, verifier summary and the trace-level decision (yours and imported).

export interface TraceHeaderProps {
  trace: TraceDetail;
  decisions: ReviewDto[];
  /** Absent for viewers: no decision buttons. */
  onDecide?: (decision: "accept" | "reject") => void;
}

export function TraceHeader({ trace, decisions, onDecide }: TraceHeaderProps) {
  return (
    <header className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <Badge>{trace.dataset.name}</Badge>
        <Badge tone="brand">{trace.method}</Badge>
        <Badge>{trace.format}</Badge>
        <span className="font-mono text-slate-400">{trace.externalId}</span>
      </div>
      <h1 className="text-lg font-semibold leading-snug">{trace.question}</h1>
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <span>Teacher answer: <strong className="font-mono">{trace.finalAnswer || "—"}</strong></span>
        {trace.answer !== null ? <span>Ground truth: <strong className="font-mono">{trace.answer}</strong></span> : null}
        {trace.answerUnreliable ? (
          <span data-testid="ground-truth-unreliable" title={trace.answerUnreliable}>
            <Badge tone="fail">ground truth unreliable</Badge> <span className="text-xs text-slate-500">{trace.answerUnreliable}; not used to check the answer</span>
          </span>
        ) : null}
        <VerificationSummary verification={trace.verification} dataset={trace.dataset.name} />
      </div>
      <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-2 text-sm" data-testid="trace-decision" data-decision={trace.decision ?? ""}>
        <span className="text-slate-500">Trace:</span>
        {onDecide ? <>
        <Button variant="accept" aria-pressed={trace.decision === "accept"} onClick={() => onDecide("accept")} shortcut={shortcutFor("acceptTrace").label}>Accept trace</Button>
        <Button variant="reject" aria-pressed={trace.decision === "reject"} onClick={() => onDecide("reject")} shortcut={shortcutFor("rejectTrace").label}>Reject trace</Button>
        </> : null}
        {decisions.length ? (
          <span data-testid="human-verdict" className="flex flex-wrap items-center gap-1 text-xs text-slate-500">
            {decisions.map((r) => (
              <Badge key={r.id} tone={r.label === "accept" ? "pass" : "fail"} title={r.comment ?? undefined}>{labelAuthor(r)}: {r.label}</Badge>
            ))}
            {decisions.map((r) => provenanceNote(r.provenance)).filter(Boolean).join("; ")}
          </span>
        ) : null}
      </div>
    </header>
  );
}

function provenanceNote(provenance: unknown): string {
  if (!provenance || typeof provenance !== "object") return "";
  const issue = (provenance as { issue?: unknown }).issue;
  return typeof issue === "string" && issue ? issue : "";
}
