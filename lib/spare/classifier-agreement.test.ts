import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agreement } from "@/lib/spare/agreement";
import { classifyText } from "@/lib/spare/rules";
import { respondToSparePrompt } from "@/lib/spare/offline-chat";
import { classifierPrompt, readClassifierAnswer } from "@/lib/spare/prompts";

// The hand-labelled set (fixtures/spare/labelled_captions.jsonl, 110 captions labelled by the
// author: 61 spatial, 49 not) against the rule classifier and against the classifier prompt
// answered over the chat protocol. Figures are reported in docs/spare.md.

const rows = fs
  .readFileSync(path.join(process.cwd(), "fixtures/spare/labelled_captions.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { caption: string; spatial: boolean });

describe("classifier agreement on the hand-labelled set", () => {
  it("has at least 100 captions of both kinds", () => {
    expect(rows.length).toBeGreaterThanOrEqual(100);
    expect(rows.filter((r) => r.spatial).length).toBeGreaterThan(40);
    expect(rows.filter((r) => !r.spatial).length).toBeGreaterThan(40);
  });

  it("the rule classifier agrees with the labels, precision first", () => {
    const result = agreement(rows.map((r) => r.spatial), rows.map((r) => classifyText(r.caption).spatial));
    const misses = rows.filter((r) => classifyText(r.caption).spatial !== r.spatial).map((r) => `${r.spatial ? "missed" : "false alarm"}: ${r.caption}`);
    expect(result.precision!, misses.join("\n")).toBeGreaterThanOrEqual(0.95);
    expect(result.accuracy, misses.join("\n")).toBeGreaterThanOrEqual(0.9);
    expect(result.kappa!).toBeGreaterThan(0.8);
  });

  it("the classifier prompt answered over the chat protocol agrees with the rules caption by caption", () => {
    const viaChat = rows.map((r) => readClassifierAnswer(respondToSparePrompt([{ role: "user", content: classifierPrompt(r.caption) }]) ?? "").spatial);
    const rules = rows.map((r) => classifyText(r.caption).spatial);
    expect(agreement(rules, viaChat).accuracy).toBe(1);
  });

  it("agreement counts each cell and kappa", () => {
    const a = agreement([true, true, false, false], [true, false, true, false]);
    expect([a.truePositive, a.falseNegative, a.falsePositive, a.trueNegative]).toEqual([1, 1, 1, 1]);
    expect(a.kappa).toBe(0);
    expect(agreement([true, false], [true, false]).kappa).toBe(1);
  });
});
