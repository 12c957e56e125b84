import { describe, expect, it } from "vitest";
import { toCsv } from "@/components/calibration/export";

describe("toCsv", () => {
  it("quotes fields with commas, quotes and newlines and leaves the rest alone", () => {
    expect(toCsv(["rule", "n", "note"], [["args.schema", 12, 'says "no", twice'], ["x", null, "two\nlines"], ["y", 0.5, undefined]])).toBe(
      'rule,n,note\r\nargs.schema,12,"says ""no"", twice"\r\nx,,"two\nlines"\r\ny,0.5,\r\n',
    );
  });
});
