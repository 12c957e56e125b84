"use client";

import dynamic from "next/dynamic";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { StepList } from "@/components/traces/step-list";
import { VerificationSummary } from "@/components/verdicts/verification-summary";
import { traceQueries } from "@/lib/queries/traces";
import type { TraceDetail } from "@/lib/schemas/traces";

const TraceCanvas = dynamic(() => import("@/components/canvas/trace-canvas"), {
  ssr: false,
  loading: () => <div className="aspect-[3/2] w-full animate-pulse rounded-lg bg-slate-200" />,
});

export function TraceWorkspace({ initial }: { initial: TraceDetail }) {
  const { data: trace } = useQuery({ ...traceQueries.detail(initial.id), initialData: initial });
  const [hovered, setHovered] = useState<number | null>(null);
  const [current, setCurrent] = useState<number | null>(trace.steps.length ? 0 : null);
  const focus = hovered ?? current;
  const highlighted = useMemo(() => (focus === null ? [] : trace.steps[focus]?.refs ?? []), [focus, trace.steps]);
  const stepLabels = useMemo(() => new Map(trace.reviews.filter((r) => r.stepId !== null).map((r) => [r.stepId!, labelState(r.label)])), [trace.reviews]);
  const traceReviews = trace.reviews.filter((r) => r.stepId === null);
  const width = trace.image?.width ?? 480;
  const height = trace.image?.height ?? 320;

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,5fr)_minmax(0,4fr)]">
      <section aria-label="Image" className="space-y-3 lg:sticky lg:top-4 lg:self-start">
        {trace.image ? (
          <TraceCanvas
            imageUrl={trace.image.available ? `/api/images/${trace.image.id}` : null}
            width={width}
            height={height}
            boxes={trace.boxes}
            objects={trace.scene?.objects ?? []}
            highlighted={highlighted}
          />
        ) : (
          <div className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500">This trace has no image.</div>
        )}
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Image</dt>
          <dd className="font-mono text-xs">{trace.image?.name ?? "—"}{trace.image && !trace.image.available ? " (file missing)" : ""}</dd>
          <dt className="text-slate-500">Scene</dt>
          <dd>{trace.scene ? `${trace.scene.objects.length} objects` : "no scene graph"}</dd>
          <dt className="text-slate-500">Teacher</dt>
          <dd className="font-mono text-xs">{trace.teacherModel ?? "—"}</dd>
        </dl>
      </section>
      <section aria-label="Trace" className="space-y-4">
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
          </div>
          <VerificationSummary verification={trace.verification} dataset={trace.dataset.name} />
          {traceReviews.length ? (
            <div data-testid="human-verdict" className="flex flex-wrap items-center gap-2 text-sm">
              <span className="text-slate-500">Human verdict:</span>
              {traceReviews.map((r) => (
                <span key={r.id} className="inline-flex items-center gap-1">
                  <Badge tone={r.label === "accept" ? "pass" : r.label === "reject" ? "fail" : "neutral"}>{r.label}</Badge>
                  <span className="text-xs text-slate-500">
                    by {r.user}
                    {provenanceNote(r.provenance)}
                  </span>
                </span>
              ))}
            </div>
          ) : null}
        </header>
        <StepList steps={trace.steps} labels={stepLabels} current={current} onHover={setHovered} onSelect={setCurrent} verification={trace.verification} injected={trace.injected} />
      </section>
    </div>
  );
}

function labelState(label: string): string {
  return label === "accept" ? "accepted" : label === "reject" ? "rejected" : label === "neutral" ? "neutral" : label;
}

function provenanceNote(provenance: unknown): string {
  if (!provenance || typeof provenance !== "object") return "";
  const issue = (provenance as { issue?: unknown }).issue;
  return typeof issue === "string" && issue ? ` — ${issue}` : "";
}
