"use client";

import dynamic from "next/dynamic";
import type { Geometry } from "@/components/canvas/trace-canvas";
import type { RelationArrow } from "@/components/canvas/geometry";
import { PHOTO_TOLERANCES } from "@/lib/scenes/photo";
import type { BoxDto, StepDto, TraceDetail } from "@/lib/schemas/traces";

const TraceCanvas = dynamic(() => import("@/components/canvas/trace-canvas"), {
  ssr: false,
  loading: () => <div className="aspect-[3/2] w-full animate-pulse rounded-lg bg-slate-200" />,
});

// The image side of the review workspace: the canvas, the steps mentioning the selected object, and
// the image / scene / teacher facts.

export interface ImagePanelProps {
  trace: TraceDetail;
  highlighted: number[];
  arrows: RelationArrow[];
  selectedObject: number | null;
  onObjectClick: (index: number) => void;
  onClearObject: () => void;
  onStep: (index: number) => void;
  onBoxCreate: (geometry: Geometry) => void;
  onBoxChange: (box: BoxDto, geometry: Geometry) => void;
  onBoxDelete: (box: BoxDto) => void;
  /** The form labelling a box just drawn on a photo into its scene, when there is one. */
  labelForm?: React.ReactNode;
}

export function ImagePanel({ trace, highlighted, arrows, selectedObject, onObjectClick, onClearObject, onStep, onBoxCreate, onBoxChange, onBoxDelete, labelForm }: ImagePanelProps) {
  const mentioning: StepDto[] = selectedObject === null ? [] : trace.steps.filter((s) => s.refs.includes(selectedObject));
  return (
    <section aria-label="Image" className="space-y-3 lg:sticky lg:top-4 lg:self-start">
      {trace.image ? (
        <TraceCanvas
          imageUrl={trace.image.available ? `/api/images/${trace.image.id}` : null}
          width={trace.image.width ?? 480}
          height={trace.image.height ?? 320}
          boxes={trace.boxes}
          objects={trace.scene?.objects ?? []}
          highlighted={highlighted}
          arrows={arrows}
          selectedObject={selectedObject}
          onObjectClick={onObjectClick}
          onBoxCreate={onBoxCreate}
          onBoxChange={onBoxChange}
          onBoxDelete={onBoxDelete}
          margin={trace.scene && trace.scene.kind !== "clevr" ? PHOTO_TOLERANCES.margin : undefined}
        />
      ) : (
        <div className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-500">This trace has no image.</div>
      )}
      {trace.image && trace.scene && trace.scene.kind !== "clevr" && arrows.length > 0 ? (
        <p data-testid="margin-legend" className="text-xs text-slate-500">
          Arrows: the relation the step claims (dashed: claimed not to hold). Yellow band: the ambiguity margin, ±{Math.round(PHOTO_TOLERANCES.margin * 100)} % of the
          image around the reference object&apos;s centre; a subject whose centre falls inside it is neither left nor right (above nor below), so the claim is skipped.
        </p>
      ) : null}
      {labelForm}
      {selectedObject !== null ? (
        <div data-testid="object-steps" className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm">
          <span className="font-mono">obj_{selectedObject}</span> is mentioned in{" "}
          {mentioning.length === 0 ? "no step" : null}
          {mentioning.map((s) => (
            <button key={s.id} type="button" onClick={() => onStep(s.index)} className="mx-0.5 rounded bg-white px-1.5 font-mono text-xs ring-1 ring-amber-300 hover:bg-amber-100">
              step {s.index}
            </button>
          ))}
          <button type="button" onClick={onClearObject} className="ml-2 text-xs text-amber-800 underline">clear</button>
        </div>
      ) : null}
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-500">Image</dt>
        <dd className="font-mono text-xs">{trace.image?.name ?? "—"}{trace.image && !trace.image.available ? " (file missing)" : ""}</dd>
        <dt className="text-slate-500">Scene</dt>
        <dd data-testid="scene-summary">{trace.scene ? `${trace.scene.kind} scene, ${trace.scene.objects.length} objects` : "no scene graph"}</dd>
        <dt className="text-slate-500">Teacher</dt>
        <dd className="font-mono text-xs">{trace.teacherModel ?? "—"}</dd>
      </dl>
    </section>
  );
}
