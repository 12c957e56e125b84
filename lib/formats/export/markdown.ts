// Text someone named (datasets, exports, verifier configs, label sources) placed into the
// dataset card (README.md, rendered as Markdown and HTML by the Hub and by editors): it must stay
// text. Every user-named string goes through one of these; nothing else in the card is user input.

/** Line breaks and other control characters become spaces: a name can never start a heading, list or block. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, " ");
}

/**
 * Inline Markdown text (paragraphs, headings, table cells): HTML is entity-escaped (no tag, no
 * comment, no autolink) and Markdown punctuation backslash-escaped (no link, image, emphasis, code
 * span or table cell break).
 */
export function mdText(text: string): string {
  return oneLine(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|]/g, (c) => `\\${c}`)
    // "](" is where a link's target starts: escaped brackets already make it text, an escaped
    // parenthesis there keeps even a naive reader from seeing a link (other parentheses stay)
    .replace(/\\\]\(/g, "\\]\\(");
}

/** An inline code span holding `text` verbatim (code spans render nothing as HTML or links); the fence outgrows any backticks inside. */
export function mdCode(text: string): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(" ") || flat.endsWith(" ") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A name as an inline code span when it is plain (letters, digits, `.:+-_ /`), else as escaped text in quotes — so the card's source holds no markup either. */
export function mdName(text: string): string {
  return /^[\w .:+\-/]+$/.test(text) ? mdCode(text) : `"${mdText(text)}"`;
}

/**
 * A YAML double-quoted scalar (JSON strings are valid YAML). Line separators and `<>&[]()` are
 * \u-escaped too: the value is the same to any YAML reader, and no tag text appears in the file
 * for a page that shows the front matter raw.
 */
export function yamlString(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029<>&[\]()]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
