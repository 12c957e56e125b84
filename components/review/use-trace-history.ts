"use client";

import { useCallback } from "react";

// Traces visited in this tab, for "[" (previous trace). sessionStorage: per tab, survives reloads.
const KEY = "stepwise.visited";

function read(): number[] {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? "[]") as number[];
  } catch {
    return [];
  }
}

export function useTraceHistory(current: number) {
  const remember = useCallback(() => {
    const visited = read().filter((id) => id !== current);
    sessionStorage.setItem(KEY, JSON.stringify([...visited, current].slice(-200)));
  }, [current]);
  const previous = useCallback((): number | null => {
    const visited = read().filter((id) => id !== current);
    return visited.at(-1) ?? null;
  }, [current]);
  return { remember, previous };
}
