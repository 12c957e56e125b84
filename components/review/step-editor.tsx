"use client";

import { useEffect, useRef } from "react";
import { Button } from "@/components/ui/button";
import { shortcutFor } from "@/lib/shortcuts";

// Inline editor for the current step: reasoning text, or a tool call's args as JSON.
// Enter saves (the workspace's keymap handles it), Shift+Enter is a newline, Esc cancels.

export interface StepEditorProps {
  kind: string;
  draft: string;
  error: string | null;
  busy: boolean;
  canRerun: boolean;
  onChange: (value: string) => void;
  onSave: () => void;
  onRerun: () => void;
  onCancel: () => void;
}

export function StepEditor({ kind, draft, error, busy, canRerun, onChange, onSave, onRerun, onCancel }: StepEditorProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    area.current?.focus();
    area.current?.select();
  }, []);
  const label = kind === "tool_call" ? "Tool arguments (JSON)" : "Step text";
  return (
    <div className="mt-2 space-y-2 pl-8" onClick={(e) => e.stopPropagation()}>
      <label className="block text-xs font-medium text-slate-600">
        {label}
        <textarea
          ref={area}
          aria-label={label}
          value={draft}
          onChange={(e) => onChange(e.target.value)}
          rows={Math.min(12, Math.max(3, draft.split("\n").length + 1))}
          spellCheck={kind !== "tool_call"}
          className={`mt-1 block w-full rounded-md border px-2 py-1.5 font-mono text-xs text-slate-900 shadow-inner focus:outline-none focus:ring-2 ${error ? "border-red-400 focus:ring-red-200" : "border-slate-300 focus:ring-indigo-200"}`}
        />
      </label>
      {error ? <p role="alert" className="text-xs text-red-700">{error}</p> : null}
      <div className="flex items-center gap-2">
        <Button variant="primary" onClick={onSave} disabled={busy} shortcut={shortcutFor("save").label}>Save</Button>
        {canRerun ? <Button onClick={onRerun} disabled={busy} shortcut={shortcutFor("rerun").label}>Re-run</Button> : null}
        <Button variant="ghost" onClick={onCancel} shortcut={shortcutFor("cancel").label}>Cancel</Button>
        <span className="text-xs text-slate-400">Shift+Enter for a new line. The original stays in the history.</span>
      </div>
    </div>
  );
}
