import { describe, expect, it } from "vitest";
import { compareCodeUnits } from "@/lib/services/export/export-context";

describe("compareCodeUnits", () => {
  it("orders by UTF-16 code units, independent of the process locale", () => {
    // localeCompare would put "a" before "B" and "ä" next to "a" (and differently per locale)
    expect(["b", "ä", "B", "a", "external:prm800k", "human"].sort(compareCodeUnits)).toEqual(["B", "a", "b", "external:prm800k", "human", "ä"]);
    expect(compareCodeUnits("x", "x")).toBe(0);
  });
});
