"use client";

import { useSyncExternalStore } from "react";

// The stop-at-first-error preference lives in localStorage (per browser), read as an external store
// so the server render (false) and the client agree.

const STOP_KEY = "stepwise.stopAtFirstError";
const STOP_EVENT = "stepwise:stop-at-first-error";

function subscribe(onChange: () => void) {
  window.addEventListener(STOP_EVENT, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(STOP_EVENT, onChange);
    window.removeEventListener("storage", onChange);
  };
}
const read = () => localStorage.getItem(STOP_KEY) === "true";

export function writeStopAtFirstError(value: boolean): void {
  localStorage.setItem(STOP_KEY, String(value));
  window.dispatchEvent(new Event(STOP_EVENT));
}

export function useStopAtFirstError(): boolean {
  return useSyncExternalStore(subscribe, read, () => false);
}
