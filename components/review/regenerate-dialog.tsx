"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import type { ContinuationsDto, RegenerateResultDto, RegenerateTeacher } from "@/lib/schemas/regenerate";
import type { StepDto } from "@/lib/schemas/traces";
import { useContinuationMutations } from "@/lib/queries/continuations";

// Re-generate from here (docs/design.md §6): which teacher continues after the chosen step. The
// teacher configured for the trace (the generation job that wrote it, or the dataset's) is the
// default; without one that choice is disabled and says why, and the built-in teacher or another
// OpenAI-compatible endpoint can be chosen instead.

type Choice = "configured" | "builtin" | "endpoint";

export function RegenerateDialog({ traceId, traceVersion, step, lastStep, info, onClose, onDone }: {
  traceId: number;
  traceVersion: number;
  step: StepDto;
  lastStep: number;
  info: ContinuationsDto | undefined;
  onClose: () => void;
  onDone: (result: RegenerateResultDto) => void;
}) {
  const configured = info?.teacher.available ?? false;
  const [choice, setChoice] = useState<Choice>(configured ? "configured" : "builtin");
  const [baseUrl, setBaseUrl] = useState("");
  const [model, setModel] = useState("");
  const [apiKeyEnv, setApiKeyEnv] = useState("");
  const { regenerate } = useContinuationMutations(traceId);
  const teacher: RegenerateTeacher =
    choice === "configured" ? { kind: "configured" } : choice === "builtin" ? { kind: "builtin", faults: "none" } : { kind: "endpoint", baseUrl: baseUrl.trim(), model: model.trim(), ...(apiKeyEnv.trim() ? { apiKeyEnv: apiKeyEnv.trim() } : {}) };
  const ready = choice !== "endpoint" || (baseUrl.trim() !== "" && model.trim() !== "");
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    regenerate.mutate({ afterStep: step.index, expectedVersion: traceVersion, teacher }, { onSuccess: (result) => onDone(result) });
  };
  const radio = (value: Choice, label: React.ReactNode, disabled = false) => (
    <label className={`flex items-start gap-2 ${disabled ? "text-slate-400" : ""}`}>
      <input type="radio" name="teacher" value={value} checked={choice === value} disabled={disabled} onChange={() => setChoice(value)} className="mt-1" />
      <span>{label}</span>
    </label>
  );
  return (
    <Dialog title={`Re-generate from step ${step.index}`} open onClose={regenerate.isPending ? () => undefined : onClose}>
      <form onSubmit={submit} className="space-y-3 text-sm" data-testid="regenerate-dialog">
        <p>
          Steps 0–{step.index}{step.kind === "tool_call" ? " (with the call's result)" : ""} stay; the teacher writes the rest from there. The current steps after it
          {lastStep > step.index ? ` (${lastStep - step.index})` : ""} are kept as an archived continuation you can view and restore, with the labels they carry.
        </p>
        <fieldset className="space-y-2">
          <legend className="mb-1 font-medium text-slate-700">Teacher</legend>
          {radio("configured", configured ? <>The configured teacher: {info?.teacher.label}</> : <>The configured teacher</>, !configured)}
          {!configured && info ? <p data-testid="no-teacher" className="ml-6 rounded border border-amber-200 bg-amber-50 px-2 py-1 text-xs text-amber-900">{info.teacher.reason}</p> : null}
          {radio("builtin", <>Built-in scripted teacher <span className="text-xs text-slate-500">(plans from the scene graph; for demos and tests, not a model)</span></>)}
          {radio("endpoint", "Another OpenAI-compatible endpoint")}
          {choice === "endpoint" ? (
            <div className="ml-6 grid gap-2">
              <input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="http://127.0.0.1:8000/v1" aria-label="Endpoint URL" className="rounded border border-slate-300 px-2 py-1" />
              <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="model id" aria-label="Model" className="rounded border border-slate-300 px-2 py-1" />
              <input value={apiKeyEnv} onChange={(e) => setApiKeyEnv(e.target.value)} placeholder="API key environment variable (optional)" aria-label="API key variable" className="rounded border border-slate-300 px-2 py-1 font-mono" />
            </div>
          ) : null}
        </fieldset>
        {regenerate.isPending ? <p role="status" className="text-slate-600">The teacher is writing the continuation… (each turn is a request; nothing changes until it answers)</p> : null}
        {regenerate.isError ? <p role="alert" className="text-red-700">{regenerate.error.message}</p> : null}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose} disabled={regenerate.isPending}>Cancel</Button>
          <Button variant="primary" type="submit" disabled={!ready || regenerate.isPending}>{regenerate.isPending ? "Generating…" : "Re-generate"}</Button>
        </div>
      </form>
    </Dialog>
  );
}
