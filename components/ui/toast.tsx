"use client";

import { useCallback, useState } from "react";

export interface Toast {
  id: number;
  tone: "info" | "error" | "success";
  message: string;
}

/** Short-lived messages in an aria-live region (conflicts, undo confirmations). */
export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback((tone: Toast["tone"], message: string) => {
    const id = Date.now() + Math.random();
    setToasts((all) => [...all.slice(-3), { id, tone, message }]);
    window.setTimeout(() => dismiss(id), tone === "error" ? 9000 : 3500);
  }, [dismiss]);
  return { toasts, show, dismiss };
}

const TONES = { info: "border-slate-300 bg-white text-slate-800", success: "border-green-300 bg-green-50 text-green-900", error: "border-red-300 bg-red-50 text-red-900" };

export function ToastRegion({ toasts, dismiss }: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <div aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-96 flex-col gap-2">
      {toasts.map((t) => (
        <div key={t.id} role={t.tone === "error" ? "alert" : "status"} className={`pointer-events-auto rounded-lg border px-4 py-3 text-sm shadow-lg ${TONES[t.tone]}`}>
          <div className="flex items-start gap-3">
            <p className="flex-1">{t.message}</p>
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(t.id)} className="text-slate-400 hover:text-slate-700">✕</button>
          </div>
        </div>
      ))}
    </div>
  );
}
