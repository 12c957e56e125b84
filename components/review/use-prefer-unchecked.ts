"use client";

import { useSyncExternalStore } from "react";

// "Unchecked steps first" in the review queue (docs/design.md §5 Coverage): a per-browser
// preference in localStorage, read as an external store so the server render (false) and the
// client agree. Same pattern as use-stop-at-first-error.ts.

const KEY = "stepwise.queue.preferUnchecked";
const EVENT = "stepwise:queue-prefer-unchecked";

function subscribe(onChange: () => void) {
  window.addEventListener(EVENT, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(EVENT, onChange);
    window.removeEventListener("storage", onChange);
  };
}
const read = () => localStorage.getItem(KEY) === "true";

export function writePreferUnchecked(value: boolean): void {
  localStorage.setItem(KEY, String(value));
  window.dispatchEvent(new Event(EVENT));
}

export function usePreferUnchecked(): boolean {
  return useSyncExternalStore(subscribe, read, () => false);
}
