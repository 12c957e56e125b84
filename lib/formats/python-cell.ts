import { toolParameters } from "@/lib/formats/agent";
import { getTool } from "@/lib/tools/registry";

// Actions written as Python code cells (Visual Sketchpad, CodeAct-style agents): a cell becomes
// steps. A top-level statement that calls a tool with literal arguments — `detect("red sphere")`,
// `boxes = relate(object="obj_1", relation="left")`, `print(count(["obj_0", "obj_3"]))` — is a
// tool call; positional arguments take the parameter names the log declares (`def tool(a, b)` in
// its prompt) or, failing that, the registry's, else `arg0`, `arg1`…. Everything else
// (assignments from expressions, loops, imports, method calls, indexing, arithmetic, f-strings) is
// code: consecutive statements of it form one code step. A `print(x)` / `display(x.image)` / bare
// `x` of a value a tool call of the same cell produced belongs to that call. Literals are Python's
// (strings in any quotes, numbers, True/False/None, lists, tuples, dicts); a bare name such as
// `image_1` or `obj_3` is kept as its text, as the ReAct reader does.

export type CellStep =
  | { kind: "call"; tool: string; args: Record<string, unknown>; source: string }
  | { kind: "code"; source: string };

export interface CellContext {
  /** Tool functions the log itself declares, with their parameter names in order. */
  declared: ReadonlyMap<string, readonly string[]>;
  /** Names the agent's own code defined or imported (earlier cells included): not tools. */
  local: Set<string>;
  /**
   * Variables the agent's code assigned (earlier cells included). A call passing one is not a
   * call with literal arguments: it stays code (image variables excepted, see IMAGE_VARIABLE).
   */
  variables?: Set<string>;
}

/**
 * A name for the picture the agent works on (`image_1`, `img`, `image_1_boxed`, `pil_image`):
 * frameworks hand it to every tool, so it never makes a call computed. A registry tool works on
 * the trace's image itself, so the argument is left out of its args (the call's text keeps it).
 */
const IMAGE_VARIABLE = /^(?:image|img|im|pil_image|input_image|photo|picture|frame)(?:_?\d+)?$|(?:^|_)(?:image|img)(?:_|\d|$)/i;

const BUILTINS = new Set([
  "print", "display", "len", "range", "sorted", "reversed", "list", "dict", "set", "tuple", "int", "float", "str", "bool",
  "round", "abs", "min", "max", "sum", "enumerate", "zip", "map", "open", "input", "type", "isinstance", "help", "dir",
  "exec", "eval", "globals", "locals", "repr", "format", "iter", "next", "any", "all", "hash", "id", "vars", "super",
  "getattr", "setattr", "hasattr", "delattr", "callable", "chr", "ord", "pow", "divmod", "bin", "hex", "oct", "bytes",
  "bytearray", "memoryview", "frozenset", "complex", "slice", "object", "property", "staticmethod", "classmethod",
  "breakpoint", "compile", "exit", "quit",
]);
const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "for", "while", "lambda", "yield", "await", "async", "return", "import", "from", "as", "def", "class", "del", "pass", "raise", "global", "nonlocal", "with", "try", "except", "finally", "assert", "break", "continue", "elif"]);
const CONTINUES_BLOCK = /^(elif\b|else\s*:|except\b|finally\s*:)/;

interface Statement {
  text: string;
  first: number; // 0-based physical line
  last: number;
  indent: number;
  /** Opens a block (for, if, def, with, …) or carries one: never a single call. */
  compound?: boolean;
}

/** Logical lines: a newline ends a statement unless inside brackets, a string or after a backslash. */
function statements(code: string): Statement[] {
  const lines = code.split("\n");
  const out: Statement[] = [];
  let depth = 0;
  let quote: string | null = null; // ' " ''' """
  let start = -1;
  let buffer: string[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (start < 0) {
      if (!line.trim() || line.trim().startsWith("#")) continue;
      start = n;
      buffer = [];
    }
    buffer.push(line);
    let continued = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === "\\") i++;
        else if (line.startsWith(quote, i)) {
          i += quote.length - 1;
          quote = null;
        }
        continue;
      }
      if (c === "#") break;
      if (c === '"' || c === "'") {
        quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
        i += quote.length - 1;
      } else if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    }
    if (quote && quote.length === 1) quote = null; // an unterminated one-line string: Python's error, not ours
    if (/\\\s*$/.test(line) && !quote) continued = true;
    if (depth === 0 && !quote && !continued) {
      out.push({ text: buffer.join("\n"), first: start, last: n, indent: /^[ \t]*/.exec(lines[start])![0].replace(/\t/g, "    ").length });
      start = -1;
    }
  }
  if (start >= 0) out.push({ text: buffer.join("\n"), first: start, last: lines.length - 1, indent: /^[ \t]*/.exec(lines[start])![0].length });
  return out;
}

/** Top-level statements, each with the indented block (and elif/else/except/finally) it opens. */
function topLevel(code: string): Statement[] {
  const all = statements(code);
  const base = Math.min(...all.map((s) => s.indent));
  const groups: Statement[] = [];
  for (const s of all) {
    const previous = groups.at(-1);
    const attaches = previous && (s.indent > base || CONTINUES_BLOCK.test(s.text.trim()) || previous.text.trim().startsWith("@"));
    if (attaches) {
      previous.text = `${previous.text}\n${s.text}`;
      previous.last = s.last;
      previous.compound = true;
    } else groups.push({ ...s, compound: /:\s*(#.*)?$/.test(s.text) && /^\s*(?:async\s+)?(?:for|while|if|def|class|with|try)\b/.test(s.text) });
  }
  return groups;
}

class Cursor {
  i = 0;
  /** The bare names read as values (variables, or ids written unquoted such as obj_3). */
  readonly names: string[] = [];
  constructor(readonly s: string) {}
  space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  peek(): string {
    this.space();
    return this.s[this.i] ?? "";
  }
  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }
  rest(): string {
    return this.s.slice(this.i);
  }
}

class NotLiteral extends Error {}
const fail = (): never => {
  throw new NotLiteral();
};

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", v: "\v", "\n": "" };

function parseString(c: Cursor): string {
  let out = "";
  do {
    const prefix = /^[rRuU]?(?=['"])/.exec(c.rest())?.[0] ?? fail();
    c.i += prefix.length;
    const raw = /r/i.test(prefix);
    const q = c.s.startsWith(c.s[c.i].repeat(3), c.i) ? c.s[c.i].repeat(3) : c.s[c.i];
    c.i += q.length;
    for (;;) {
      if (c.i >= c.s.length) fail();
      if (c.s.startsWith(q, c.i)) {
        c.i += q.length;
        break;
      }
      const ch = c.s[c.i++];
      if (ch === "\n" && q.length === 1) fail();
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const next = c.s[c.i++] ?? fail();
      if (raw) out += `\\${next}`;
      else if (next in ESCAPES) out += ESCAPES[next];
      else if (next === "x" || next === "u") {
        const size = next === "x" ? 2 : 4;
        const hex = c.s.slice(c.i, c.i + size);
        if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex)) fail();
        out += String.fromCharCode(parseInt(hex, 16));
        c.i += size;
      } else out += `\\${next}`;
    }
    c.space();
  } while (/^[rRuU]?['"]/.test(c.rest())); // "a" "b" is one string
  return out;
}

function parseItems(c: Cursor, close: string, item: () => void): void {
  while (c.peek() !== close) {
    item();
    if (!c.eat(",")) break;
  }
  if (!c.eat(close)) fail();
}

/** A Python literal, or NotLiteral. Bare names are kept as their text. */
function parseValue(c: Cursor): unknown {
  const ch = c.peek();
  if (/^[rRuU]?['"]/.test(c.rest())) return parseString(c);
  if (ch === "[" || ch === "(") {
    c.i++;
    const items: unknown[] = [];
    let commas = 0;
    const close = ch === "[" ? "]" : ")";
    while (c.peek() !== close) {
      items.push(parseValue(c));
      if (!c.eat(",")) break;
      commas++;
    }
    if (!c.eat(close)) fail();
    return ch === "(" && items.length === 1 && commas === 0 ? items[0] : items;
  }
  if (ch === "{") {
    c.i++;
    if (c.eat("}")) return {};
    const first = parseValue(c);
    if (c.eat(":")) {
      const object: Record<string, unknown> = { [String(first)]: parseValue(c) };
      if (c.eat(",")) parseItems(c, "}", () => {
        const key = parseValue(c);
        if (!c.eat(":")) fail();
        object[String(key)] = parseValue(c);
      });
      else if (!c.eat("}")) fail();
      return object;
    }
    const items = [first];
    if (c.eat(",")) parseItems(c, "}", () => items.push(parseValue(c)));
    else if (!c.eat("}")) fail();
    return items; // a set
  }
  const number = /^[-+]?\s*(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?)(?![\w.])/.exec(c.rest());
  if (number) {
    c.i += number[0].length;
    const text = number[0].replace(/[\s_]/g, "");
    return /0[xX]/.test(text) ? (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/^[-+]/, ""), 16) : Number(text);
  }
  const name = /^[A-Za-z_]\w*/.exec(c.rest());
  if (!name || KEYWORDS.has(name[0])) fail();
  c.i += name![0].length;
  // obj.attr, x[0] and f(x) are computed, not literal
  if (/^\s*[.[(]/.test(c.rest())) fail();
  if (name![0] === "True") return true;
  if (name![0] === "False") return false;
  if (name![0] === "None") return null;
  c.names.push(name![0]);
  return name![0];
}

/** The first `=` outside brackets and strings that is an assignment (not ==, <=, +=, …). */
function assignmentAt(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "=" && depth === 0 && text[i + 1] !== "=" && !"=!<>+-*/%&|^@:".includes(text[i - 1] ?? "")) return i;
  }
  return -1;
}

/** Comments removed from every line (not from inside strings). */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    } else if (c === "#") {
      const end = text.indexOf("\n", i);
      text = text.slice(0, i) + (end < 0 ? "" : text.slice(end));
      i--;
    }
  }
  return text;
}

interface ParsedCall {
  name: string;
  positional: unknown[];
  keywords: Record<string, unknown>;
  /** Bare names among the arguments. */
  names: string[];
}

/** `name(literal, key=literal, …)` filling the whole text, or null. */
function parseCall(text: string): ParsedCall | null {
  const c = new Cursor(text.trim());
  const name = /^[A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*/.exec(c.rest());
  if (!name) return null;
  c.i += name[0].length;
  if (!c.eat("(")) return null;
  const positional: unknown[] = [];
  const keywords: Record<string, unknown> = {};
  try {
    parseItems(c, ")", () => {
      const keyword = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(c.rest());
      if (keyword) {
        c.i += keyword[0].length;
        keywords[keyword[1]] = parseValue(c);
      } else {
        if (Object.keys(keywords).length || /^\*/.test(c.rest())) fail();
        positional.push(parseValue(c));
      }
    });
  } catch (error) {
    if (error instanceof NotLiteral) return null;
    throw error;
  }
  c.space();
  if (c.i !== c.s.length) return null;
  return { name: name[0].replace(/\s+/g, ""), positional, keywords, names: c.names };
}

/** The tool a call names, or null when it is a builtin, a method, a constructor or the agent's own function. */
function toolOf(dotted: string, context: CellContext): string | null {
  const name = dotted.replace(/^(tools?|functions)\./, "");
  if (context.declared.has(name) || getTool(name)) return name;
  if (name.includes(".") || BUILTINS.has(name) || context.local.has(name) || /^[A-Z]/.test(name)) return null;
  return name;
}

const isImageVariable = (value: unknown): boolean => typeof value === "string" && IMAGE_VARIABLE.test(value);

function argsOf(tool: string, call: ParsedCall, context: CellContext): Record<string, unknown> {
  const declared = context.declared.get(tool);
  const registry = !declared && getTool(tool) ? toolParameters(tool) : null;
  const names = declared ?? registry ?? [];
  const args: Record<string, unknown> = {};
  // a registry tool runs on the trace's image: the image variable is not one of its parameters
  const positional = registry ? call.positional.filter((value, i) => !(isImageVariable(value) && call.names.includes(value as string) && !(i === 0 && registry[0] === "image"))) : call.positional;
  positional.forEach((value, i) => (args[names[i] ?? `arg${i}`] = value));
  const keywords = { ...call.keywords };
  if (registry) for (const key of ["image", "img", "image_path"]) if (key in keywords && !registry.includes(key) && (typeof keywords[key] !== "string" || isImageVariable(keywords[key]))) delete keywords[key];
  return { ...args, ...keywords };
}

/** Names a statement assigns (`a, b = …`, `x += …`, `for i, x in …:`, `with … as f:`). */
function assignedNames(text: string): string[] {
  const loop = /^(?:async\s+)?for\s+([\w\s,()[\]]+?)\s+in\s/.exec(text);
  if (loop) return loop[1].match(/[A-Za-z_]\w*/g) ?? [];
  const alias = [...text.matchAll(/\bas\s+([A-Za-z_]\w*)/g)].map((m) => m[1]);
  if (/^(?:with|except|import|from)\b/.test(text)) return alias;
  const at = assignmentAt(text);
  if (at < 0) return [];
  const targets = text.slice(0, at).replace(/[-+*/%&|^@<>]+$/, "");
  return /^[\s\w,()[\].*]+$/.test(targets) ? (targets.replace(/\[[^\]]*\]|\.\w+/g, "").match(/[A-Za-z_]\w*/g) ?? []) : [];
}

/** Names a statement binds for later statements: defs, classes, imports (so they are not tools). */
function recordLocals(text: string, local: Set<string>): void {
  const def = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/.exec(text);
  if (def) local.add(def[1]);
  const from = /^from\s+\S+\s+import\s+\(?([^)#]+)/.exec(text);
  const plain = /^import\s+([^#]+)/.exec(text);
  for (const part of (from?.[1] ?? plain?.[1] ?? "").split(",")) {
    const alias = /(?:^|\s)as\s+([A-Za-z_]\w*)/.exec(part.trim());
    const bound = alias?.[1] ?? /^([A-Za-z_]\w*)/.exec(part.trim())?.[1];
    if (bound && bound !== "*") local.add(bound);
  }
}

const ECHO = /^(?:(?:print|display)\(\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[[^\]\n]*\])*)\s*\)|([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[[^\]\n]*\])*))\s*;?$/;

/** The steps of one code cell, in order. */
export function readCell(code: string, context: CellContext): CellStep[] {
  const lines = code.split("\n");
  const groups = topLevel(code);
  const steps: CellStep[] = [];
  const producedBy = new Map<string, number>(); // variable → index in steps of the call that set it
  let from = 0; // first source line not yet given to a step
  const source = (last: number) => lines.slice(from, last + 1).join("\n").replace(/^\s*\n/, "").trimEnd();
  for (const group of groups) {
    const text = stripComment(group.text).trim().replace(/;$/, "").trim();
    const single = !group.compound;
    let step: CellStep | null = null;
    const echo = single ? ECHO.exec(text) : null;
    const echoed = echo ? (echo[1] ?? echo[3]) : null;
    // shown right after the call that produced it (nothing else in between): part of that call
    if (echoed && producedBy.get(echoed) === steps.length - 1) {
      const target = steps[steps.length - 1];
      target.source = `${target.source}\n${source(group.last)}`;
      from = group.last + 1;
      continue;
    }
    if (single) {
      const at = assignmentAt(text);
      const targets = at >= 0 ? text.slice(0, at) : "";
      const valid = at < 0 || /^[\s\w,()[\].*]+$/.test(targets);
      let expression = at >= 0 ? text.slice(at + 1).trim() : text;
      const wrapped = /^(?:print|display)\s*\(([\s\S]*)\)$/.exec(expression);
      if (wrapped && parseCall(wrapped[1])) expression = wrapped[1];
      const call = valid ? parseCall(expression) : null;
      // an argument naming a variable the code set is computed, not literal (the image excepted)
      const computed = call !== null && call.names.some((name) => context.variables?.has(name) && !IMAGE_VARIABLE.test(name));
      const tool = call && !computed ? toolOf(call.name, context) : null;
      if (call && tool) {
        step = { kind: "call", tool, args: argsOf(tool, call, context), source: source(group.last) };
        for (const name of targets.match(/[A-Za-z_]\w*/g) ?? []) producedBy.set(name, steps.length);
      }
    }
    if (!step) {
      recordLocals(text, context.local);
      const previous = steps.at(-1);
      if (previous?.kind === "code") {
        previous.source = `${previous.source}\n${source(group.last)}`;
        from = group.last + 1;
        if (context.variables) for (const name of assignedNames(text)) context.variables.add(name);
        continue;
      }
      step = { kind: "code", source: source(group.last) };
    }
    steps.push(step);
    from = group.last + 1;
    if (context.variables) for (const name of assignedNames(text)) context.variables.add(name);
  }
  return steps;
}

/**
 * `def name(a, b=1, *args)` signatures in a prompt's tool documentation, and signatures listed
 * with a description ("- name(a, b: int): …", "name(a) -> list"): name → parameter names.
 */
export function declaredTools(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  // `def tool(a, b)`, or a signature listed as documentation: "- tool(a, b: int): …", "`tool(a, b)` -> …"
  const defSignatures = [...text.matchAll(/(?:^|\n)[ \t]*def[ \t]+([A-Za-z]\w*)[ \t]*\(([^)]*)\)/g)];
  const defs = defSignatures.length;
  const signatures = [
    ...defSignatures,
    ...text.matchAll(/(?:^|\n)[ \t]*(?:[-*•][ \t]*|\d+[.)][ \t]*)?`?([A-Za-z]\w*)\(([\w \t,:=[\]'"*.|]*)\)`?[ \t]*(?:->|:|[-–—])/gm),
  ];
  signatures.forEach((match, k) => {
    const documented = k >= defs;
    if (found.has(match[1]) || (documented && BUILTINS.has(match[1]))) return;
    const params: string[] = [];
    let depth = 0;
    let current = "";
    for (const c of match[2]) {
      if ("([{".includes(c)) depth++;
      else if (")]}".includes(c)) depth--;
      if (c === "," && depth === 0) {
        params.push(current);
        current = "";
      } else current += c;
    }
    params.push(current);
    // a documented signature names its parameters; an example call such as detect("cube") is not one
    if (documented && params.some((param) => param.trim() !== "" && !/^\s*\*{0,2}[A-Za-z_]\w*\s*(?::[^=]+)?(?:=.+)?$/.test(param))) return;
    const names: string[] = [];
    for (const param of params) {
      const name = /^\s*([A-Za-z_]\w*)/.exec(param)?.[1];
      if (/^\s*\*/.test(param)) break; // *args / **kwargs end the positional parameters
      if (name && name !== "self" && name !== "cls") names.push(name);
    }
    found.set(match[1], names);
  });
  return found;
}
