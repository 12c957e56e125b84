import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Docs cite sections that exist: every "§N" / "§N.M" in the docs, the README and code comments
// names a numbered heading of docs/design.md (or of the docs/*.md file named right before it), and
// every "docs/x.md#anchor" or markdown link "x.md#anchor" names a heading of that file (GitHub's
// anchor rules). Citations of other documents ("RFC 9110 §10.2.3") are not ours to check.

const ROOT = path.resolve(__dirname, "..");
const SCANNED_DIRS = ["app", "components", "lib", "scripts", "docs", "e2e", "bench", "prisma", "fixtures"];
const EXTENSIONS = /\.(ts|tsx|mjs|mts|md|prisma)$/;
const SKIPPED = /(^|\/)(node_modules|generated|\.next|\.tmp)(\/|$)/;

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (SKIPPED.test(path.relative(ROOT, full))) return [];
    if (entry.isDirectory()) return files(full);
    return EXTENSIONS.test(entry.name) ? [full] : [];
  });
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

interface DocHeadings {
  numbers: Set<string>;
  anchors: Set<string>;
}

const headingCache = new Map<string, DocHeadings | null>();
function headingsOf(doc: string): DocHeadings | null {
  if (headingCache.has(doc)) return headingCache.get(doc)!;
  const file = path.join(ROOT, doc);
  if (!fs.existsSync(file)) {
    headingCache.set(doc, null);
    return null;
  }
  const numbers = new Set<string>();
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const number = /^§?(\d+(?:\.\d+)*)\.?\s/.exec(match[1]);
    if (number) numbers.add(number[1]);
    const base = slug(match[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  const result = { numbers, anchors };
  headingCache.set(doc, result);
  return result;
}

interface Citation {
  file: string;
  line: number;
  text: string;
  problem: string | null;
}

/** Every section citation in a text, with what is wrong with it (null when it resolves). */
function citationsIn(text: string, file: string): Citation[] {
  const found: Citation[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    for (const match of line.matchAll(/(?:([\w./-]+\.md)\s?)?§\s?(\d+(?:\.\d+)*)/g)) {
      const before = line.slice(Math.max(0, match.index - 16), match.index);
      if (/\b(RFC|ISO|IEC|ECMA)[\s-]?\d*\s*$/i.test(before)) continue;
      const named = match[1];
      const doc = named ? (named.startsWith("docs/") ? named : path.posix.join("docs", path.posix.basename(named))) : "docs/design.md";
      const headings = headingsOf(doc);
      const section = match[2];
      found.push({ file, line: i + 1, text: match[0], problem: !headings ? `${doc} does not exist` : headings.numbers.has(section) ? null : `${doc} has no section ${section}` });
    }
    for (const match of line.matchAll(/((?:\.\.\/)*(?:docs\/)?[\w.-]+\.md)#([\w-]+)/g)) {
      const target = match[1].replace(/^(\.\.\/)+/, "");
      const doc = target.startsWith("docs/") ? target : file.startsWith("docs/") || !fs.existsSync(path.join(ROOT, target)) ? path.posix.join("docs", target) : target;
      const headings = headingsOf(doc);
      found.push({ file, line: i + 1, text: match[0], problem: !headings ? `${doc} does not exist` : headings.anchors.has(match[2]) ? null : `${doc} has no heading with anchor #${match[2]}` });
    }
  });
  return found;
}

describe("docs cite sections that exist", () => {
  // this file's own examples are deliberately broken
  const all = [path.join(ROOT, "README.md"), ...SCANNED_DIRS.flatMap((d) => files(path.join(ROOT, d)))].filter((f) => f !== __filename);
  const citations = all.flatMap((file) => citationsIn(fs.readFileSync(file, "utf8"), path.relative(ROOT, file).split(path.sep).join("/")));

  it("finds the citations (the scan itself works)", () => {
    expect(citations.length).toBeGreaterThan(100);
    expect(citations.some((c) => c.file.startsWith("lib/") && c.text.includes("§13"))).toBe(true);
  });

  it("every §N and every docs/x.md#anchor resolves", () => {
    const broken = citations.filter((c) => c.problem).map((c) => `${c.file}:${c.line} "${c.text}": ${c.problem}`);
    expect(broken).toEqual([]);
  });

  it("a citation of a missing section, anchor or file is reported", () => {
    const problems = citationsIn("see docs/design.md §99 and docs/design.md §5, docs/formats.md#no-such-heading, docs/formats.md#step-labels, docs/nope.md#x, RFC 9110 §10.2.3", "x.ts").map((c) => c.problem);
    expect(problems).toEqual(["docs/design.md has no section 99", null, "docs/formats.md has no heading with anchor #no-such-heading", null, "docs/nope.md does not exist"]);
  });
});
