// Line numbers for the elements of a top-level array inside a JSON document
// ({"scenes": [ {...}, {...} ]}), so errors in whole-document formats can still name a line.
// A single pass over the text that tracks strings and nesting depth; no second parse.

export function elementLines(text: string, key: string | null): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastString = "";
  let arrayDepth = -1; // depth at which the target array's elements sit
  let expectElement = false;

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92) escaped = true;
      else if (c === 34) {
        inString = false;
        lastString = text.slice(stringStart + 1, i);
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (expectElement && c !== 93) {
      lines.push(line);
      expectElement = false;
    }
    if (c === 34) {
      inString = true;
      stringStart = i;
    } else if (c === 123 || c === 91) {
      depth++;
      if (c === 91 && arrayDepth === -1 && ((key === null && depth === 1) || (key !== null && depth === 2 && lastString === key))) {
        arrayDepth = depth;
        expectElement = true;
      }
    } else if (c === 125 || c === 93) {
      if (c === 93 && depth === arrayDepth) return lines;
      depth--;
    } else if (c === 44 && depth === arrayDepth) {
      expectElement = true;
    } else if (c !== 58) {
      if (depth !== 2 || key === null) lastString = "";
    }
  }
  return lines;
}
