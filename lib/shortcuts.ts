// The one keymap of the review workspace: name → keys → description. The help dialog renders from
// it, buttons show its keys, and `matchShortcut` is the only place a key event becomes a command.

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
  | "undo"
  | "acceptTrace"
  | "rejectTrace"
  | "toggleStopAtFirstError"
  | "comment"
  | "nextTrace"
  | "previousTrace"
  | "help";

export interface Shortcut {
  command: ShortcutCommand;
  keys: string[]; // KeyboardEvent.key values; "Shift+A" style is not needed: "A" is shift+a
  label: string;
  description: string;
  group: "Navigate" | "Label" | "Edit" | "Trace" | "Help";
  /** Fires even while typing (only save and cancel, inside the step editor). */
  whileTyping?: boolean;
}

export const KEYMAP: Shortcut[] = [
  { command: "nextStep", keys: ["j", "ArrowDown"], label: "j", description: "Next step", group: "Navigate" },
  { command: "previousStep", keys: ["k", "ArrowUp"], label: "k", description: "Previous step", group: "Navigate" },
  { command: "nextFailing", keys: ["f"], label: "f", description: "Next step the verifier failed", group: "Navigate" },
  { command: "previousFailing", keys: ["F"], label: "Shift+F", description: "Previous step the verifier failed", group: "Navigate" },
  { command: "nextTrace", keys: ["]"], label: "]", description: "Next trace in the queue", group: "Navigate" },
  { command: "previousTrace", keys: ["["], label: "[", description: "Previous trace", group: "Navigate" },
  { command: "accept", keys: ["a"], label: "a", description: "Accept the current step", group: "Label" },
  { command: "neutral", keys: ["n"], label: "n", description: "Mark the current step neutral", group: "Label" },
  { command: "reject", keys: ["r"], label: "r", description: "Reject the current step", group: "Label" },
  { command: "toggleStopAtFirstError", keys: ["s"], label: "s", description: "Toggle stop-at-first-error mode", group: "Label" },
  { command: "comment", keys: ["c"], label: "c", description: "Write a comment for the next label (Esc leaves the box)", group: "Label" },
  { command: "undo", keys: ["u"], label: "u", description: "Undo your last action", group: "Label" },
  { command: "edit", keys: ["e"], label: "e", description: "Edit the current step (text or tool args)", group: "Edit" },
  { command: "save", keys: ["Enter"], label: "Enter", description: "Save the edit (Shift+Enter for a new line)", group: "Edit", whileTyping: true },
  { command: "cancel", keys: ["Escape"], label: "Esc", description: "Cancel the edit / close dialogs", group: "Edit", whileTyping: true },
  { command: "rerun", keys: ["x"], label: "x", description: "Re-run the current tool call on the scene", group: "Edit" },
  { command: "acceptTrace", keys: ["A"], label: "Shift+A", description: "Accept the whole trace", group: "Trace" },
  { command: "rejectTrace", keys: ["R"], label: "Shift+R", description: "Reject the whole trace", group: "Trace" },
  { command: "help", keys: ["?"], label: "?", description: "Show these shortcuts", group: "Help" },
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

function isTyping(target: unknown): boolean {
  if (!target || typeof target !== "object") return false;
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string };
  if (element.isContentEditable) return true;
  const tag = element.tagName?.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !["checkbox", "radio", "button", "submit", "range"].includes(element.type ?? "text");
}

/**
 * The command a key event means, or null. Never fires while typing (except whileTyping commands),
 * only whileTyping commands while editing, never with Ctrl/Meta/Alt (browser shortcuts stay intact), Shift+Enter stays a newline.
 */
export function matchShortcut(event: KeyEventLike, options: { editing?: boolean } = {}): ShortcutCommand | null {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return null;
  if (event.key === "Enter" && event.shiftKey) return null;
  const typing = isTyping(event.target);
  const shortcut = KEYMAP.find((s) => s.keys.includes(event.key));
  if (!shortcut) return null;
  if (typing && !shortcut.whileTyping) return null;
  // while a step is being edited only the editor's own keys (save, cancel) act
  if (options.editing && !shortcut.whileTyping) return null;
  if (shortcut.command === "save" && !options.editing) return null;
  return shortcut.command;
}
