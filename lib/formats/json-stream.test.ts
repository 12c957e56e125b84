import { describe, expect, it } from "vitest";
import { jsonDocumentPieces, jsonValuePieces, type JsonPiece } from "@/lib/formats/json-stream";

// Every text is also fed one byte per chunk: pieces must not depend on where chunks split.
function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(Buffer.from(bytes.subarray(i, i + size)));
  return out;
}

const simplify = (pieces: JsonPiece[]) =>
  pieces.map((p) => (p.kind === "error" ? p : { ...p, bytes: JSON.parse(p.bytes.toString()) }));

function document(text: string, keys: Array<string | null>): unknown[] {
  const whole = simplify([...jsonDocumentPieces([Buffer.from(text)], { stream: (k) => keys.includes(k) })]);
  for (const size of [1, 3, 7]) {
    expect(simplify([...jsonDocumentPieces(chunked(text, size), { stream: (k) => keys.includes(k) })])).toEqual(whole);
  }
  return whole;
}

describe("jsonDocumentPieces", () => {
  it("streams the elements of chosen arrays with their lines, other members whole", () => {
    const text = ['{"info": {"a": "[not, an, array]", "b": "}"},', ' "scenes": [', '  {"objects": [1, 2]},', '  {"x": "}\\""},', "", '  {"y": 3}', " ], \"n\": 5, \"s\": \"x,y\", \"list\": [1, 2]}"].join("\n");
    expect(document(text, ["scenes"])).toEqual([
      { kind: "member", key: "info", line: 1, bytes: { a: "[not, an, array]", b: "}" } },
      { kind: "element", key: "scenes", index: 0, line: 3, bytes: { objects: [1, 2] } },
      { kind: "element", key: "scenes", index: 1, line: 4, bytes: { x: '}"' } },
      { kind: "element", key: "scenes", index: 2, line: 6, bytes: { y: 3 } },
      { kind: "member", key: "n", line: 7, bytes: 5 },
      { kind: "member", key: "s", line: 7, bytes: "x,y" },
      { kind: "member", key: "list", line: 7, bytes: [1, 2] },
    ]);
  });

  it("streams a top-level array, scalars included", () => {
    expect(document('[\n{"a":1},\n2,\n"x"\n]', [null])).toEqual([
      { kind: "element", key: null, index: 0, line: 2, bytes: { a: 1 } },
      { kind: "element", key: null, index: 1, line: 3, bytes: 2 },
      { kind: "element", key: null, index: 2, line: 4, bytes: "x" },
    ]);
    expect(document("[]", [null])).toEqual([]);
  });

  it("reports a truncated document with the element it ends in", () => {
    const pieces = document('{"scenes": [\n{"a": 1},\n{"b": [1, 2', ["scenes"]);
    expect(pieces.at(-1)).toEqual({ kind: "error", line: 3, path: "$.scenes[1]", error: "truncated JSON: the document ends inside $.scenes[1], which starts on line 3" });
  });

  it("reports structural errors between elements", () => {
    expect(document('{"scenes": [{"a": 1} {"b": 2}]}', ["scenes"]).at(-1)).toMatchObject({ kind: "error", path: "$.scenes[1]", error: expect.stringContaining('found "{" where , or ] was expected') });
    expect(document('{"scenes": [{"a": 1},]}', ["scenes"]).at(-1)).toMatchObject({ kind: "error", error: expect.stringContaining("where a value was expected") });
    expect(document('{"a": 1} x', [])).toEqual([{ kind: "member", key: "a", line: 1, bytes: 1 }, { kind: "error", line: 1, path: "$.a", error: expect.stringContaining("the end of the document") }]);
  });

  it("steps over skipped members without keeping them", () => {
    const text = '{"annotations": [{"a": "]"}, 1], "images": [{"id": 1}], "big": {"x": [1, {"y": "}"}]}, "n": 2}';
    const pieces = [...jsonDocumentPieces(chunked(text, 2), { stream: (k) => k === "images", skip: (k) => k === "annotations" || k === "big" })];
    expect(simplify(pieces)).toEqual([
      { kind: "element", key: "images", index: 0, line: 1, bytes: { id: 1 } },
      { kind: "member", key: "n", line: 1, bytes: 2 },
    ]);
  });

  it("rejects a piece over the size limit", () => {
    const pieces = [...jsonDocumentPieces([Buffer.from('{"s": [{"a": "'), Buffer.from("x".repeat(100)), Buffer.from('"}]}')], { stream: () => true, maxPieceBytes: 50 })];
    expect(pieces).toEqual([{ kind: "error", line: 1, path: "$.s[0]", error: "value is longer than the 50-byte limit" }]);
  });
});

describe("jsonValuePieces", () => {
  it("splits pretty-printed records written one after another", () => {
    const text = '{\n  "a": {"b": "}{"}\n}{\n  "c": [1]\n}\n\n{"d": 2}\n';
    for (const size of [1, 2, 100]) {
      expect(simplify([...jsonValuePieces(chunked(text, size))])).toEqual([
        { kind: "value", index: 0, line: 1, bytes: { a: { b: "}{" } } },
        { kind: "value", index: 1, line: 3, bytes: { c: [1] } },
        { kind: "value", index: 2, line: 7, bytes: { d: 2 } },
      ]);
    }
  });

  it("reports a record the file ends inside", () => {
    expect([...jsonValuePieces([Buffer.from('{"a": 1}\n{\n "b": ')])].at(-1)).toEqual({ kind: "error", line: 2, path: "$[1]", error: "truncated JSON: the file ends inside the record that starts on line 2" });
  });
});
