import { describe, expect, it } from "vitest";
import { KEYMAP, matchShortcut, type KeyEventLike } from "@/lib/shortcuts";

const key = (k: string, extra: Partial<KeyEventLike> = {}): KeyEventLike => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, target: { tagName: "BODY" }, ...extra });

describe("keymap", () => {
  it("maps the review keys to commands", () => {
    expect(["j", "k", "a", "n", "r", "e", "u", "]", "[", "?"].map((k) => matchShortcut(key(k)))).toEqual([
      "nextStep", "previousStep", "accept", "neutral", "reject", "edit", "undo", "nextTrace", "previousTrace", "help",
    ]);
    expect(matchShortcut(key("A", { shiftKey: true }))).toBe("acceptTrace");
  });

  it("never fires while typing, except save and cancel inside the editor", () => {
    const textarea = { tagName: "TEXTAREA" };
    expect(matchShortcut(key("a", { target: textarea }))).toBeNull();
    expect(matchShortcut(key("j", { target: { tagName: "INPUT", type: "text" } }))).toBeNull();
    expect(matchShortcut(key("Enter", { target: textarea }), { editing: true })).toBe("save");
    expect(matchShortcut(key("Enter", { target: textarea, shiftKey: true }), { editing: true })).toBeNull();
    expect(matchShortcut(key("Escape", { target: textarea }), { editing: true })).toBe("cancel");
    // while editing, other keys do nothing even outside the text box
    expect(matchShortcut(key("a"), { editing: true })).toBeNull();
    expect(matchShortcut(key("j"), { editing: true })).toBeNull();
    expect(matchShortcut(key("a", { target: { tagName: "INPUT", type: "checkbox" } }))).toBe("accept");
  });

  it("leaves browser shortcuts alone and does not save outside the editor", () => {
    expect(matchShortcut(key("r", { ctrlKey: true }))).toBeNull();
    expect(matchShortcut(key("a", { metaKey: true }))).toBeNull();
    expect(matchShortcut(key("Enter"))).toBeNull();
  });

  it("binds every key once", () => {
    const keys = KEYMAP.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
