"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/** false in the server render and during hydration, true once event handlers are attached. */
export function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}
