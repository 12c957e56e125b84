// Splits JSON text arriving in chunks into independently parseable pieces without parsing the
// whole document: the elements of top-level arrays of a document ({"scenes": [ {...}, ... ]},
// a COCO file, a results list [...]) or a run of concatenated values (pretty-printed records one
// after another, as PRM800K's raw files are). Each piece carries the line it starts on, so errors
// can name it, and is handed to the native JSON.parse. Memory is bounded by the largest piece.
//
// The scanner only tracks strings, nesting and separators; anything else that is malformed
// surfaces when the piece is parsed. A document that ends early is reported as truncated.

export type JsonPiece =
  | { kind: "element"; key: string | null; index: number; line: number; bytes: Buffer }
  | { kind: "member"; key: string; line: number; bytes: Buffer }
  | { kind: "value"; index: number; line: number; bytes: Buffer }
  | { kind: "error"; line: number; path: string; error: string };

export const MAX_PIECE_BYTES = 64 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type State =
  | "start" // before the top-level value
  | "key" // in the top object, expecting a key or }
  | "colon"
  | "memberStart" // expecting a member value
  | "afterMember" // expecting , or }
  | "elementStart" // in a streamed array, expecting an element or ]
  | "afterElement" // expecting , or ]
  | "done";

interface Options {
  /** Which top-level arrays to split into elements (key null = a top-level array). */
  stream: (key: string | null) => boolean;
  /** Members to step over without keeping their bytes (another scan reads them). */
  skip?: (key: string) => boolean;
  maxPieceBytes?: number;
}

class Capture {
  pieces: Buffer[] = [];
  bytes = 0;
  start = -1; // offset in the current chunk, -1 when flushed
  constructor(readonly line: number) {}
}

function pathOf(key: string | null, index?: number): string {
  const base = key === null ? "$" : `$.${key}`;
  return index === undefined ? base : `${base}[${index}]`;
}

/**
 * Pieces of a whole JSON document (an object or an array). Members of the top object whose
 * key is streamed and whose value is an array come out element by element; other members whole.
 */
export function* jsonDocumentPieces(chunks: Iterable<Buffer>, options: Options): Generator<JsonPiece> {
  const max = options.maxPieceBytes ?? MAX_PIECE_BYTES;
  let line = 1;
  let state = "start" as State;
  let depth = 0; // open containers
  let inString = false;
  let escaped = false;
  let keyBytes: number[] = [];
  let key: string | null = null;
  let inKey = false;
  let arrayDepth = -1; // depth inside a streamed array
  let index = 0;
  let afterComma = false;
  let capture: Capture | null = null;
  let captureScalar = false;
  let captureKind: "element" | "member" = "element";
  let discard = false; // a skipped member: scanned, never kept

  const here = () => pathOf(key, captureKind === "element" && (state === "elementStart" || state === "afterElement" || capture) ? index : undefined);

  const emit = (chunk: Buffer, end: number): JsonPiece | null => {
    const c = capture!;
    if (discard) {
      capture = null;
      discard = false;
      state = "afterMember";
      return null;
    }
    if (c.start >= 0) c.pieces.push(chunk.subarray(c.start, end));
    capture = null;
    const bytes = c.pieces.length === 1 ? c.pieces[0] : Buffer.concat(c.pieces);
    const piece: JsonPiece = captureKind === "element"
      ? { kind: "element", key, index, line: c.line, bytes }
      : { kind: "member", key: key!, line: c.line, bytes };
    if (captureKind === "element") {
      index++;
      state = "afterElement";
    } else state = "afterMember";
    return piece;
  };

  const begin = (i: number, c: number, kind: "element" | "member") => {
    capture = new Capture(line);
    capture.start = i;
    captureKind = kind;
    captureScalar = !(c === OPEN_OBJECT || c === OPEN_ARRAY);
    if (!captureScalar) depth++;
    else if (c === QUOTE) inString = true;
  };

  const unexpected = (c: number, expected: string): JsonPiece => ({
    kind: "error",
    line,
    path: here(),
    error: `invalid JSON: found ${JSON.stringify(String.fromCharCode(c))} where ${expected} was expected`,
  });

  for (const chunk of chunks) {
    if (capture) (capture as Capture).start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (inKey) {
            inKey = false;
            key = Buffer.from(keyBytes).toString("utf8");
            state = "colon";
          }
        } else if (inKey) keyBytes.push(c);
        continue;
      }
      if (c === NEWLINE) line++;

      if (capture) {
        if (!captureScalar) {
          if (c === QUOTE) inString = true;
          else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
          else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
            depth--;
            if (depth === (captureKind === "element" ? arrayDepth : 1)) {
              const piece = emit(chunk, i + 1);
              if (piece) yield piece;
            }
          }
          continue;
        }
        // a scalar ends at the first delimiter, which the new state then handles
        if (!(c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || isSpace(c))) continue;
        const piece = emit(chunk, i);
        if (piece) yield piece;
      }
      if (isSpace(c)) continue;

      switch (state) {
        case "start":
          if (c === OPEN_OBJECT) {
            depth = 1;
            state = "key";
          } else if (c === OPEN_ARRAY && options.stream(null)) {
            depth = 1;
            arrayDepth = 1;
            state = "elementStart";
          } else {
            yield { kind: "error", line, path: "$", error: `invalid JSON: expected a JSON ${options.stream(null) ? "object or array" : "object"}` };
            return;
          }
          break;
        case "key":
          if (c === QUOTE) {
            inString = true;
            inKey = true;
            keyBytes = [];
          } else if (c === CLOSE_OBJECT && !afterComma) {
            depth = 0;
            state = "done";
          } else {
            yield unexpected(c, "a key");
            return;
          }
          afterComma = false;
          break;
        case "colon":
          if (c !== COLON) {
            yield unexpected(c, ":");
            return;
          }
          state = "memberStart";
          break;
        case "memberStart":
          if (c === OPEN_ARRAY && options.stream(key)) {
            depth = 2;
            arrayDepth = 2;
            index = 0;
            state = "elementStart";
          } else {
            begin(i, c, "member");
            discard = Boolean(options.skip?.(key!));
          }
          break;
        case "afterMember":
          if (c === COMMA) {
            state = "key";
            afterComma = true;
          } else if (c === CLOSE_OBJECT) {
            depth = 0;
            state = "done";
          } else {
            yield unexpected(c, ", or }");
            return;
          }
          break;
        case "elementStart":
          if (c === CLOSE_ARRAY && !afterComma) {
            depth = arrayDepth - 1;
            state = arrayDepth === 1 ? "done" : "afterMember";
          } else if (c === CLOSE_ARRAY || c === COMMA || c === CLOSE_OBJECT || c === COLON) {
            yield unexpected(c, "a value");
            return;
          } else begin(i, c, "element");
          afterComma = false;
          break;
        case "afterElement":
          if (c === COMMA) {
            state = "elementStart";
            afterComma = true;
          } else if (c === CLOSE_ARRAY) {
            depth = arrayDepth - 1;
            state = arrayDepth === 1 ? "done" : "afterMember";
          } else {
            yield unexpected(c, ", or ]");
            return;
          }
          break;
        case "done":
          yield unexpected(c, "the end of the document");
          return;
      }
    }
    if (capture && !discard) {
      const cap = capture as Capture;
      cap.pieces.push(chunk.subarray(cap.start));
      cap.bytes += chunk.length - cap.start;
      cap.start = -1;
      if (cap.bytes > max) {
        yield { kind: "error", line: cap.line, path: here(), error: `value is longer than the ${max}-byte limit` };
        return;
      }
    }
  }
  if (capture && captureScalar && !inString) {
    const piece = emit(Buffer.alloc(0), 0);
    if (piece) yield piece;
  }
  if (state !== "done") {
    const inside = capture ? `inside ${here()}, which starts on line ${(capture as Capture).line}` : state === "start" ? "before any value" : `inside ${here()}`;
    yield { kind: "error", line, path: here(), error: `truncated JSON: the document ends ${inside}` };
  }
}

/** Top-level values one after another (JSONL, or pretty-printed objects concatenated). */
export function* jsonValuePieces(chunks: Iterable<Buffer>, maxPieceBytes = MAX_PIECE_BYTES): Generator<JsonPiece> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let index = 0;
  let capture: Capture | null = null;

  for (const chunk of chunks) {
    if (capture) (capture as Capture).start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === NEWLINE) line++;
      if (!capture) {
        if (isSpace(c)) continue;
        if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
          yield { kind: "error", line, path: `$[${index}]`, error: `invalid JSON: found ${JSON.stringify(String.fromCharCode(c))} where a record ({...}) was expected` };
          return;
        }
        capture = new Capture(line);
        (capture as Capture).start = i;
        depth = 1;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) {
          const cap = capture as Capture;
          cap.pieces.push(chunk.subarray(cap.start, i + 1));
          capture = null;
          const bytes = cap.pieces.length === 1 ? cap.pieces[0] : Buffer.concat(cap.pieces);
          yield { kind: "value", index, line: cap.line, bytes };
          index++;
        }
      }
    }
    if (capture) {
      const cap = capture as Capture;
      cap.pieces.push(chunk.subarray(cap.start));
      cap.bytes += chunk.length - cap.start;
      cap.start = -1;
      if (cap.bytes > maxPieceBytes) {
        yield { kind: "error", line: cap.line, path: `$[${index}]`, error: `record is longer than the ${maxPieceBytes}-byte limit` };
        return;
      }
    }
  }
  if (capture) {
    yield { kind: "error", line: (capture as Capture).line, path: `$[${index}]`, error: `truncated JSON: the file ends inside the record that starts on line ${(capture as Capture).line}` };
  }
}
