"use client";

import { ReviewStep } from "@/components/review/review-step";
import { StepEditor } from "@/components/review/step-editor";
import type { ReviewMaps } from "@/lib/review/review-maps";
import type { InjectedFaultDto, StepDto, TraceDetail } from "@/lib/schemas/traces";

// The step timeline: one ReviewStep per step, the inline editor on the step being edited.

export interface EditingState {
  stepId: number;
  draft: string;
  error: string | null;
}

export interface StepListProps {
  steps: StepDto[];
  maps: ReviewMaps;
  verification: TraceDetail["verification"];
  current: number;
  selectedObject: number | null;
  editing: EditingState | null;
  busy: boolean;
  register: (index: number, node: HTMLLIElement | null) => void;
  onSelect: (index: number) => void;
  onHover: (index: number | null) => void;
  onHistory: (step: StepDto) => void;
  onDraft: (draft: string) => void;
  onSave: () => void;
  onRerun: () => void;
  onCancel: () => void;
}

const NO_OTHERS: Array<{ user: string; label: string; source: string }> = [];
const NO_FAULTS: InjectedFaultDto[] = [];
const NO_COMMENTS: Array<{ user: string; text: string }> = [];

export function StepList({ steps, maps, verification, current, selectedObject, editing, busy, register, onSelect, onHover, onHistory, onDraft, onSave, onRerun, onCancel }: StepListProps) {
  return (
    <ol aria-label="Steps" className="space-y-2">
      {steps.map((s) => (
        <ReviewStep
          key={s.id}
          register={register}
          step={s}
          callTool={s.callId ? maps.toolOfCall.get(s.callId) ?? null : null}
          label={maps.mine.get(s.id) ?? null}
          others={maps.others.get(s.id) ?? NO_OTHERS}
          comments={maps.comments.get(s.id) ?? NO_COMMENTS}
          current={s.index === current}
          mentionsSelected={selectedObject !== null && s.refs.includes(selectedObject)}
          verdicts={verification?.steps[s.id]}
          verified={verification !== null}
          injected={maps.injectedByStep.get(s.index) ?? NO_FAULTS}
          onSelect={onSelect}
          onHover={onHover}
          onHistory={onHistory}
          editor={
            editing && editing.stepId === s.id ? (
              <StepEditor kind={s.kind} draft={editing.draft} error={editing.error} busy={busy} canRerun={s.kind === "tool_call"} onChange={onDraft} onSave={onSave} onRerun={onRerun} onCancel={onCancel} />
            ) : undefined
          }
        />
      ))}
    </ol>
  );
}
