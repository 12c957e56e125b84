"use client";

import { Badge, type BadgeTone } from "@/components/ui/badge";
import { JsonView } from "@/components/traces/json-view";
import { StepVerdicts } from "@/components/verdicts/step-verdicts";
import type { InjectedFaultDto, StepDto } from "@/lib/schemas/traces";
import type { TraceVerificationDto } from "@/lib/schemas/verifier";

const KIND_TONE: Record<string, BadgeTone> = { plan: "neutral", tool_call: "brand", tool_result: "info", reasoning: "neutral", answer: "warn" };

export interface StepListProps {
  steps: StepDto[];
  labels: Map<number, string>;
  current: number | null;
  onHover: (index: number | null) => void;
  onSelect: (index: number) => void;
  verification?: TraceVerificationDto | null;
  injected?: InjectedFaultDto[];
}

export function StepList({ steps, labels, current, onHover, onSelect, verification = null, injected = [] }: StepListProps) {
  const toolOfCall = new Map(steps.filter((s) => s.kind === "tool_call" && s.callId).map((s) => [s.callId!, s.tool]));
  return (
    <ol aria-label="Steps" className="space-y-2">
      {steps.map((step) => {
        const label = labels.get(step.id) ?? "unlabeled";
        const verdicts = verification?.steps[step.id];
        const outcome = verification ? (verdicts?.outcome ?? "skip") : undefined;
        const stepInjected = injected.filter((f) => f.step === step.index);
        return (
          <li
            key={step.id}
            data-step-index={step.index}
            data-label={label}
            data-kind={step.kind}
            data-outcome={outcome}
            aria-current={current === step.index ? "step" : undefined}
            onMouseEnter={() => onHover(step.index)}
            onMouseLeave={() => onHover(null)}
            onClick={() => onSelect(step.index)}
            className={`cursor-pointer rounded-lg border bg-white px-3 py-2 text-sm transition-colors ${
              current === step.index ? "border-brand ring-2 ring-indigo-100" : outcome === "fail" ? "border-red-300 hover:border-red-400" : "border-slate-200 hover:border-slate-300"
            }`}
          >
            <div className="flex items-center gap-2">
              <span className="w-6 text-right font-mono text-xs text-slate-400">{step.index}</span>
              <Badge tone={KIND_TONE[step.kind] ?? "neutral"}>{step.kind}</Badge>
              {step.tool ? <span className="font-mono text-xs font-semibold text-slate-700">{step.tool}</span> : null}
              {step.kind === "tool_result" && step.callId && toolOfCall.get(step.callId) ? (
                <span className="font-mono text-xs text-slate-500">← {toolOfCall.get(step.callId)}</span>
              ) : null}
              {step.callId ? <span className="font-mono text-xs text-slate-400">#{step.callId}</span> : null}
              {step.refs.length ? <span className="ml-auto text-xs text-slate-400">{step.refs.map((r) => `obj_${r}`).join(" ")}</span> : null}
            </div>
            {step.text ? <p className="mt-1 whitespace-pre-wrap pl-8 text-slate-800">{step.text}</p> : null}
            <div className="pl-8">
              {step.kind === "tool_call" && step.args !== null ? <JsonView label="args" value={step.args} /> : null}
              {step.kind === "tool_result" ? (
                step.result === null ? <p className="mt-1 text-xs italic text-slate-400">result not recorded</p> : <JsonView label="result" value={step.result} />
              ) : null}
              <StepVerdicts verdicts={verdicts} injected={stepInjected} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}
