// The one keymap of the app: command → keys → description. The help dialog renders from it, every
// button and hint shows its keys through `shortcutFor`, and `matchShortcut` is the only place a key
// event becomes a command — including the guard that keys typed into a field or a dialog never
// fire. See docs/design.md §17.6.

export type ShortcutCommand =
  | "nextStep"
  | "previousStep"
  | "nextFailing"
  | "previousFailing"
  | "accept"
  | "neutral"
  | "reject"
  | "edit"
  | "save"
  | "cancel"
  | "rerun"
  | "regenerate"
  | "undo"
  | "acceptTrace"
  | "rejectTrace"
  | "toggleStopAtFirstError"
  | "comment"
  | "nextTrace"
  | "previousTrace"
  | "deleteBox"
  | "startExport"
  | "galleryLeft"
  | "galleryRight"
  | "galleryUp"
  | "galleryDown"
  | "galleryOpen"
  | "help";

/** Where a shortcut listens: the review workspace, its image canvas, the exports page, or the trace list's gallery. */
export type ShortcutScope = "review" | "canvas" | "exports" | "gallery";

/** The page each scope listens on: a key is bound once per page (scopes of one page share it). */
export const SCOPE_PAGE: Record<ShortcutScope, string> = { review: "trace", canvas: "trace", exports: "exports", gallery: "traces" };

export interface Shortcut {
  command: ShortcutCommand;
  keys: string[]; // KeyboardEvent.key values; "Shift+A" style is not needed: "A" is shift+a
  label: string;
  description: string;
  group: "Navigate" | "Label" | "Edit" | "Trace" | "Image" | "Exports" | "Gallery" | "Help";
  scope: ShortcutScope;
  /** Needs Ctrl (or ⌘ on a Mac) held; every other shortcut fires only without Ctrl / ⌘ / Alt. */
  mod?: boolean;
  /** Fires even while typing in a field (save / cancel inside the step editor, start export). */
  whileTyping?: boolean;
}

export const KEYMAP: Shortcut[] = [
  { command: "nextStep", keys: ["j", "ArrowDown"], label: "j", description: "Next step", group: "Navigate", scope: "review" },
  { command: "previousStep", keys: ["k", "ArrowUp"], label: "k", description: "Previous step", group: "Navigate", scope: "review" },
  { command: "nextFailing", keys: ["f"], label: "f", description: "Next step the verifier failed", group: "Navigate", scope: "review" },
  { command: "previousFailing", keys: ["F"], label: "Shift+F", description: "Previous step the verifier failed", group: "Navigate", scope: "review" },
  { command: "nextTrace", keys: ["]"], label: "]", description: "Next trace in the queue", group: "Navigate", scope: "review" },
  { command: "previousTrace", keys: ["["], label: "[", description: "Previous trace", group: "Navigate", scope: "review" },
  { command: "accept", keys: ["a"], label: "a", description: "Accept the current step", group: "Label", scope: "review" },
  { command: "neutral", keys: ["n"], label: "n", description: "Mark the current step neutral", group: "Label", scope: "review" },
  { command: "reject", keys: ["r"], label: "r", description: "Reject the current step", group: "Label", scope: "review" },
  { command: "toggleStopAtFirstError", keys: ["s"], label: "s", description: "Toggle stop-at-first-error mode", group: "Label", scope: "review" },
  { command: "comment", keys: ["c"], label: "c", description: "Write a comment for the next label (Esc leaves the box)", group: "Label", scope: "review" },
  { command: "undo", keys: ["u"], label: "u", description: "Undo your last action", group: "Label", scope: "review" },
  { command: "edit", keys: ["e"], label: "e", description: "Edit the current step (text or tool args)", group: "Edit", scope: "review" },
  { command: "save", keys: ["Enter"], label: "Enter", description: "Save the edit (Shift+Enter for a new line)", group: "Edit", scope: "review", whileTyping: true },
  { command: "cancel", keys: ["Escape"], label: "Esc", description: "Cancel the edit / close dialogs", group: "Edit", scope: "review", whileTyping: true },
  { command: "rerun", keys: ["x"], label: "x", description: "Re-run the current tool call on the scene", group: "Edit", scope: "review" },
  { command: "regenerate", keys: ["G"], label: "Shift+G", description: "Re-generate from the current step: the teacher continues, the old continuation is kept", group: "Edit", scope: "review" },
  { command: "acceptTrace", keys: ["A"], label: "Shift+A", description: "Accept the whole trace", group: "Trace", scope: "review" },
  { command: "rejectTrace", keys: ["R"], label: "Shift+R", description: "Reject the whole trace", group: "Trace", scope: "review" },
  { command: "deleteBox", keys: ["Delete", "Backspace"], label: "Delete", description: "Delete the selected human box on the image", group: "Image", scope: "canvas" },
  { command: "startExport", keys: ["Enter"], label: "Ctrl+Enter", description: "Start the export (exports page; ⌘+Enter on a Mac, also while typing)", group: "Exports", scope: "exports", mod: true, whileTyping: true },
  { command: "galleryLeft", keys: ["ArrowLeft"], label: "←", description: "Previous thumbnail (trace list gallery)", group: "Gallery", scope: "gallery" },
  { command: "galleryRight", keys: ["ArrowRight"], label: "→", description: "Next thumbnail", group: "Gallery", scope: "gallery" },
  { command: "galleryUp", keys: ["ArrowUp"], label: "↑", description: "Thumbnail above", group: "Gallery", scope: "gallery" },
  { command: "galleryDown", keys: ["ArrowDown"], label: "↓", description: "Thumbnail below", group: "Gallery", scope: "gallery" },
  { command: "galleryOpen", keys: ["Enter"], label: "Enter", description: "Open the selected trace", group: "Gallery", scope: "gallery" },
  { command: "help", keys: ["?"], label: "?", description: "Show these shortcuts", group: "Help", scope: "review" },
];

export const shortcutFor = (command: ShortcutCommand): Shortcut => KEYMAP.find((s) => s.command === command)!;

export interface KeyEventLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  isComposing?: boolean;
  target: unknown;
}

export interface MatchOptions {
  /** Which listener asks (default "review"): only that scope's shortcuts can match. */
  scope?: ShortcutScope;
  /** A step is being edited: only its editor's keys (save, cancel) act. */
  editing?: boolean;
  /** A modal dialog is open somewhere on the page (keys belong to the dialog, not the page). */
  dialogOpen?: boolean;
}

function isTyping(target: unknown): boolean {
  if (!target || typeof target !== "object") return false;
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string };
  if (element.isContentEditable) return true;
  const tag = element.tagName?.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !["checkbox", "radio", "button", "submit", "range"].includes(element.type ?? "text");
}

/** A focused button, link or disclosure: Enter activates it, and that stays the element's business. */
function isControl(target: unknown): boolean {
  if (!target || typeof target !== "object") return false;
  const tag = (target as { tagName?: string }).tagName?.toUpperCase();
  return tag === "BUTTON" || tag === "A" || tag === "SUMMARY";
}

const DIALOG = '[role="dialog"], [role="alertdialog"], dialog';

/** True when the key was pressed inside a dialog (its own keys, e.g. Esc, are the dialog's business). */
function inDialog(target: unknown): boolean {
  if (!target || typeof target !== "object") return false;
  const element = target as { closest?: (selector: string) => unknown };
  return typeof element.closest === "function" && Boolean(element.closest(DIALOG));
}

/**
 * The command a key event means, or null. Never fires inside a dialog or while one is open, never
 * while typing in a field (except whileTyping commands), only whileTyping commands while editing,
 * never with Alt, with Ctrl / ⌘ only for `mod` shortcuts (browser shortcuts stay intact),
 * Shift+Enter stays a newline, and Enter on a focused button, link or summary activates that element.
 */
export function matchShortcut(event: KeyEventLike, options: MatchOptions = {}): ShortcutCommand | null {
  const scope = options.scope ?? "review";
  if (event.altKey || event.isComposing) return null;
  if (options.dialogOpen || inDialog(event.target)) return null;
  const mod = event.ctrlKey || event.metaKey;
  if (event.key === "Enter" && event.shiftKey) return null;
  const shortcut = KEYMAP.find((s) => s.scope === scope && Boolean(s.mod) === mod && s.keys.includes(event.key));
  if (!shortcut) return null;
  if (isTyping(event.target) && !shortcut.whileTyping) return null;
  if (event.key === "Enter" && !shortcut.whileTyping && isControl(event.target)) return null;
  // while a step is being edited only the editor's own keys (save, cancel) act
  if (options.editing && !shortcut.whileTyping) return null;
  if (shortcut.command === "save" && !options.editing) return null;
  return shortcut.command;
}
