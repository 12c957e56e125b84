"use client";

import { memo, type ReactNode } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { JsonView } from "@/components/traces/json-view";
import { StepVerdicts } from "@/components/verdicts/step-verdicts";
import type { StepVerdictsDto } from "@/lib/schemas/verifier";
import type { InjectedFaultDto, StepDto } from "@/lib/schemas/traces";

// One step of the timeline. Its label state is in data-label (accepted / neutral / rejected /
// unlabeled) and data-after-error, which tests and assistive tech rely on.

const KIND_TONE: Record<string, BadgeTone> = { plan: "neutral", tool_call: "brand", tool_result: "info", reasoning: "neutral", answer: "warn" };
const LABEL_STATE: Record<string, string> = { accept: "accepted", neutral: "neutral", reject: "rejected" };
const LABEL_TONE: Record<string, BadgeTone> = { accepted: "pass", neutral: "neutral", rejected: "fail" };

/** Who a label is from: the source for imported labels ("external:prm800k" → "prm800k"), else the reviewer. */
export const labelAuthor = (review: { source: string; user: string }): string => (review.source.startsWith("external:") ? review.source.slice("external:".length) : review.user);

export interface ReviewStepProps {
  step: StepDto;
  callTool: string | null;
  label: string | null; // this reviewer's current label: accept | neutral | reject | after_error
  others: Array<{ user: string; label: string; source: string }>;
  comments: Array<{ user: string; text: string }>;
  current: boolean;
  mentionsSelected: boolean;
  /** The latest verifier run's verdicts for this step (undefined: not verified). */
  verdicts: StepVerdictsDto | undefined;
  verified: boolean;
  injected: InjectedFaultDto[];
  editor?: ReactNode;
  onSelect: (index: number) => void;
  onHover: (index: number | null) => void;
  onHistory: (step: StepDto) => void;
  register: (index: number, node: HTMLLIElement | null) => void;
}

// Memoised with index-taking callbacks: hovering one step re-renders nothing but the canvas focus.
export const ReviewStep = memo(function ReviewStep({ step, callTool, label, others, comments, current, mentionsSelected, verdicts, verified, injected, editor, onSelect, onHover, onHistory, register }: ReviewStepProps) {
  const afterError = label === "after_error";
  const state = label && !afterError ? LABEL_STATE[label] ?? "unlabeled" : "unlabeled";
  const outcome = verified ? (verdicts?.outcome ?? "skip") : undefined;
  return (
    <li
      ref={(node) => register(step.index, node)}
      data-step-index={step.index}
      data-step-id={step.id}
      data-label={state}
      data-after-error={afterError ? "true" : undefined}
      data-kind={step.kind}
      data-outcome={outcome}
      data-revision={step.revision}
      aria-current={current ? "step" : undefined}
      onMouseEnter={() => onHover(step.index)}
      onMouseLeave={() => onHover(null)}
      onClick={() => onSelect(step.index)}
      className={`scroll-mt-24 cursor-pointer rounded-lg border bg-white px-3 py-2 text-sm transition-colors ${
        current ? "border-brand ring-2 ring-indigo-100" : mentionsSelected ? "border-amber-400" : outcome === "fail" ? "border-red-300 hover:border-red-400" : "border-slate-200 hover:border-slate-300"
      } ${afterError ? "opacity-60" : ""}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="w-6 text-right font-mono text-xs text-slate-400">{step.index}</span>
        <Badge tone={KIND_TONE[step.kind] ?? "neutral"}>{step.kind}</Badge>
        {step.tool ? <span className="font-mono text-xs font-semibold text-slate-700">{step.tool}</span> : null}
        {step.kind === "tool_result" && callTool ? <span className="font-mono text-xs text-slate-500">← {callTool}</span> : null}
        {step.callId ? <span className="font-mono text-xs text-slate-400">#{step.callId}</span> : null}
        {step.revision > 0 ? (
          <button type="button" onClick={(e) => { e.stopPropagation(); onHistory(step); }} className="rounded bg-violet-50 px-1.5 text-xs text-violet-700 ring-1 ring-violet-200 hover:bg-violet-100">
            edited · rev {step.revision}
          </button>
        ) : null}
        <span className="ml-auto flex items-center gap-1.5">
          {others.map((o) => (
            <Badge key={`${o.source}-${o.user}`} tone={o.label === "accept" ? "pass" : o.label === "reject" ? "fail" : "neutral"} title={`${o.user} (${o.source})`}>
              {labelAuthor(o)}: {o.label}
            </Badge>
          ))}
          {afterError ? <Badge tone="warn">after error</Badge> : null}
          {state !== "unlabeled" ? <Badge tone={LABEL_TONE[state]}>{state}</Badge> : null}
        </span>
      </div>
      {step.text && !editor ? <p className="mt-1 whitespace-pre-wrap pl-8 text-slate-800">{step.text}</p> : null}
      {!editor ? (
        <div className="pl-8">
          {step.kind === "tool_call" && step.args !== null ? <JsonView label="args" value={step.args} /> : null}
          {step.kind === "tool_result" ? (step.result === null ? <p className="mt-1 text-xs italic text-slate-400">result not recorded</p> : <JsonView label="result" value={step.result} />) : null}
        </div>
      ) : null}
      {editor}
      <div className="pl-8">
        <StepVerdicts verdicts={verdicts} injected={injected} />
      </div>
      {comments.map((c, i) => (
        <p key={i} data-testid="step-comment" className="mt-1 ml-8 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900 ring-1 ring-amber-200">
          <span className="font-medium">{c.user}:</span> {c.text}
        </p>
      ))}
      {step.refs.length ? <p className="mt-1 pl-8 text-[11px] text-slate-400">mentions {step.refs.map((r) => `obj_${r}`).join(", ")}</p> : null}
    </li>
  );
});
