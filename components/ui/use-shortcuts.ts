"use client";

import { useEffect, useEffectEvent } from "react";
import { matchShortcut, type ShortcutCommand, type ShortcutScope } from "@/lib/shortcuts";

/** Is a modal dialog open anywhere on the page? Keys then belong to it (see matchShortcut). */
const modalOpen = () => document.querySelector('[aria-modal="true"]') !== null;

/**
 * Listens for the keymap's shortcuts of one scope (lib/shortcuts.ts) on the window and hands each
 * matched command to `onCommand`; the event's default is prevented only when a command matched.
 * Nothing but `matchShortcut` decides whether a key is a command.
 */
export function useShortcuts(scope: ShortcutScope, onCommand: (command: ShortcutCommand) => void, options: { enabled?: boolean; editing?: boolean } = {}): void {
  const { enabled = true, editing = false } = options;
  const handle = useEffectEvent(onCommand);
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      const command = matchShortcut(event, { scope, editing, dialogOpen: modalOpen() });
      if (!command) return;
      event.preventDefault();
      handle(command);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [scope, enabled, editing]);
}
