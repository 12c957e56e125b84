import { describe, expect, it } from "vitest";
import { elementLines } from "@/lib/formats/json-lines";

describe("elementLines", () => {
  it("finds the line of each element of a keyed array, ignoring nested arrays and strings", () => {
    const text = ['{"info": {"a": "[not, an, array]"},', ' "scenes": [', '  {"objects": [1, 2]},', '  {"x": "}"},', '', '  {"y": 3}', ' ]}'].join("\n");
    expect(elementLines(text, "scenes")).toEqual([3, 4, 6]);
  });

  it("handles a top-level array", () => {
    expect(elementLines('[\n1,\n{"a":[2]},\n3]', null)).toEqual([2, 3, 4]);
  });
});
