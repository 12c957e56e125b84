import { describe, expect, it } from "vitest";
import { KEYMAP, matchShortcut, SCOPE_PAGE, shortcutFor, type KeyEventLike } from "@/lib/shortcuts";

const key = (k: string, extra: Partial<KeyEventLike> = {}): KeyEventLike => ({ key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, target: { tagName: "BODY" }, ...extra });

/** A DOM-like element: `closest` answers for the selector of an enclosing dialog when inside one. */
const element = (tagName: string, options: { type?: string; inDialog?: boolean; contentEditable?: boolean } = {}) => ({
  tagName,
  type: options.type,
  isContentEditable: options.contentEditable ?? false,
  closest: (selector: string) => (options.inDialog && selector.includes('[role="dialog"]') ? { role: "dialog" } : null),
});

describe("keymap", () => {
  it("maps the review keys to commands", () => {
    expect(["j", "k", "f", "F", "a", "n", "r", "e", "x", "u", "s", "c", "]", "[", "?", "ArrowDown", "ArrowUp"].map((k) => matchShortcut(key(k)))).toEqual([
      "nextStep", "previousStep", "nextFailing", "previousFailing", "accept", "neutral", "reject", "edit", "rerun", "undo", "toggleStopAtFirstError", "comment", "nextTrace", "previousTrace", "help", "nextStep", "previousStep",
    ]);
    expect(matchShortcut(key("A", { shiftKey: true }))).toBe("acceptTrace");
    expect(matchShortcut(key("R", { shiftKey: true }))).toBe("rejectTrace");
    expect(matchShortcut(key("Escape"))).toBe("cancel");
  });

  it("never fires while typing, except save and cancel inside the editor", () => {
    const textarea = element("TEXTAREA");
    expect(matchShortcut(key("a", { target: textarea }))).toBeNull();
    expect(matchShortcut(key("j", { target: element("INPUT", { type: "text" }) }))).toBeNull();
    expect(matchShortcut(key("j", { target: element("INPUT") }))).toBeNull(); // no type attribute = text
    expect(matchShortcut(key("r", { target: element("SELECT") }))).toBeNull();
    expect(matchShortcut(key("n", { target: element("DIV", { contentEditable: true }) }))).toBeNull();
    expect(matchShortcut(key("Enter", { target: textarea }), { editing: true })).toBe("save");
    expect(matchShortcut(key("Enter", { target: textarea, shiftKey: true }), { editing: true })).toBeNull();
    expect(matchShortcut(key("Escape", { target: textarea }), { editing: true })).toBe("cancel");
    // while editing, other keys do nothing even outside the text box
    expect(matchShortcut(key("a"), { editing: true })).toBeNull();
    expect(matchShortcut(key("j"), { editing: true })).toBeNull();
    // a checkbox or button has focus: keys still act
    expect(matchShortcut(key("a", { target: element("INPUT", { type: "checkbox" }) }))).toBe("accept");
    expect(matchShortcut(key("j", { target: element("BUTTON") }))).toBe("nextStep");
  });

  it("never fires inside a dialog or while one is open", () => {
    // focus inside the help / history dialog: its keys are its own
    expect(matchShortcut(key("a", { target: element("DIV", { inDialog: true }) }))).toBeNull();
    expect(matchShortcut(key("?", { target: element("BUTTON", { inDialog: true }) }))).toBeNull();
    expect(matchShortcut(key("Escape", { target: element("DIV", { inDialog: true }) }))).toBeNull();
    expect(matchShortcut(key("Delete", { target: element("DIV", { inDialog: true }) }), { scope: "canvas" })).toBeNull();
    // focus left on the page while a modal is open
    expect(matchShortcut(key("j"), { dialogOpen: true })).toBeNull();
    expect(matchShortcut(key("Enter", { ctrlKey: true }), { scope: "exports", dialogOpen: true })).toBeNull();
    // the same keys outside a dialog act
    expect(matchShortcut(key("a", { target: element("DIV") }))).toBe("accept");
  });

  it("leaves browser shortcuts alone and does not save outside the editor", () => {
    expect(matchShortcut(key("r", { ctrlKey: true }))).toBeNull();
    expect(matchShortcut(key("a", { metaKey: true }))).toBeNull();
    expect(matchShortcut(key("a", { altKey: true }))).toBeNull();
    expect(matchShortcut(key("Enter"))).toBeNull();
    expect(matchShortcut(key("a", { isComposing: true }))).toBeNull();
  });

  it("scopes: box delete on the canvas, start export on the exports page, nowhere else", () => {
    expect(matchShortcut(key("Delete"), { scope: "canvas" })).toBe("deleteBox");
    expect(matchShortcut(key("Backspace"), { scope: "canvas" })).toBe("deleteBox");
    expect(matchShortcut(key("Delete", { target: element("INPUT", { type: "text" }) }), { scope: "canvas" })).toBeNull();
    expect(matchShortcut(key("Backspace", { target: element("TEXTAREA") }), { scope: "canvas" })).toBeNull();
    expect(matchShortcut(key("a"), { scope: "canvas" })).toBeNull();
    expect(matchShortcut(key("Delete"))).toBeNull(); // the review scope has no Delete

    expect(matchShortcut(key("Enter", { ctrlKey: true }), { scope: "exports" })).toBe("startExport");
    expect(matchShortcut(key("Enter", { metaKey: true }), { scope: "exports" })).toBe("startExport");
    // also while typing in a form field (the point of the shortcut)
    expect(matchShortcut(key("Enter", { ctrlKey: true, target: element("INPUT", { type: "number" }) }), { scope: "exports" })).toBe("startExport");
    expect(matchShortcut(key("Enter"), { scope: "exports" })).toBeNull();
    expect(matchShortcut(key("Enter", { ctrlKey: true, altKey: true }), { scope: "exports" })).toBeNull();
    expect(matchShortcut(key("Enter", { ctrlKey: true }))).toBeNull(); // not a review command
    expect(matchShortcut(key("j"), { scope: "exports" })).toBeNull();
  });

  it("binds every key once per modifier state on each page (scopes of one page share it)", () => {
    const keys = KEYMAP.flatMap((s) => s.keys.map((k) => `${SCOPE_PAGE[s.scope]}:${s.mod ? "mod+" : ""}${k}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("gallery: arrows move and Enter opens, only in the gallery scope and never while typing", () => {
    expect(matchShortcut(key("ArrowRight"), { scope: "gallery" })).toBe("galleryRight");
    expect(matchShortcut(key("ArrowDown"), { scope: "gallery" })).toBe("galleryDown");
    expect(matchShortcut(key("Enter"), { scope: "gallery" })).toBe("galleryOpen");
    expect(matchShortcut(key("ArrowLeft", { target: element("INPUT", { type: "search" }) }), { scope: "gallery" })).toBeNull();
    expect(matchShortcut(key("ArrowDown", { target: element("SELECT") }), { scope: "gallery" })).toBeNull();
    expect(matchShortcut(key("ArrowDown"))).toBe("nextStep"); // the review workspace keeps its own meaning
    expect(matchShortcut(key("ArrowRight"))).toBeNull();
    // Enter on a focused button, link or summary activates it instead (the Table button, a pager link)
    for (const tag of ["BUTTON", "A", "SUMMARY"]) expect(matchShortcut(key("Enter", { target: element(tag) }), { scope: "gallery" })).toBeNull();
    expect(matchShortcut(key("ArrowRight", { target: element("A") }), { scope: "gallery" })).toBe("galleryRight");
  });

  it("gives every command a label, description and group, and shortcutFor finds each", () => {
    for (const s of KEYMAP) {
      expect(s.label.length, s.command).toBeGreaterThan(0);
      expect(s.description.length, s.command).toBeGreaterThan(0);
      expect(shortcutFor(s.command)).toBe(s);
      // the label names a key that really triggers the command: "Shift+F" → "F", "Esc" → "Escape", "Ctrl+Enter" → "Enter"
      const pressed = s.label.replace(/^Shift\+/, "").replace(/^Ctrl\+/, "").replace(/^Esc$/, "Escape").replace("←", "ArrowLeft").replace("→", "ArrowRight").replace("↑", "ArrowUp").replace("↓", "ArrowDown");
      expect(s.keys, `${s.command} label ${s.label}`).toContain(pressed);
      expect(s.label.startsWith("Ctrl+"), s.command).toBe(Boolean(s.mod));
    }
  });
});
