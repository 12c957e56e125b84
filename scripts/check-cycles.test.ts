import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- an .mjs script without types
import { findCycles } from "./check-cycles.mjs";

const fixture = path.resolve("scripts/fixtures/import-cycle");

describe("import-cycle check", () => {
  it("reports a cycle closed by a dynamic import, and not one made of type-only imports", () => {
    const cycles = findCycles([fixture]) as string[][];
    expect(cycles).toHaveLength(1);
    expect(cycles[0].map((f) => path.basename(f))).toEqual(["a.ts", "b.ts", "a.ts"]);
  });

  it("fails the command (as npm run lint runs it) on the fixture and passes on the project", () => {
    const onFixture = spawnSync(process.execPath, ["scripts/check-cycles.mjs", "scripts/fixtures/import-cycle"], { encoding: "utf8" });
    expect(onFixture.status).toBe(1);
    expect(onFixture.stderr).toContain("a.ts → scripts/fixtures/import-cycle/b.ts");
    const onProject = spawnSync(process.execPath, ["scripts/check-cycles.mjs"], { encoding: "utf8" });
    expect(onProject.stderr).toBe("no import cycles\n");
    expect(onProject.status).toBe(0);
  });
});
