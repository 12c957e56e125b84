import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat, readItems } from "@/lib/formats/read";
import { parseIsoTime, parseStepLabel } from "@/lib/formats/step-labels";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-labels-"));
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

describe("step-labels reader", () => {
  it("normalises what other tools write: numeric ids and steps, label case and spaces, null comment/time", () => {
    const parsed = parseStepLabel({ trace: 42, step: " 3 ", label: " Accept\t", reviewer: " ann ", comment: null, time: null });
    expect(parsed).toMatchObject({ ok: true, value: { trace: "42", step: 3, label: "accept", reviewer: "ann", comment: null, time: null } });
    expect(parseStepLabel({ trace: "t", step: 0, label: "REJECT", reviewer: 7, time: "2026-12-06T23:10:00+01:00" })).toMatchObject({ ok: true, value: { reviewer: "7", label: "reject", time: "2026-12-06T22:10:00.000Z" } });
  });

  it("names every bad field with its path", () => {
    const parsed = parseStepLabel({ trace: "", step: -1, label: "good", reviewer: "", time: "yesterday" });
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.errors.map((e) => e.path);
    expect(paths).toEqual(["$.trace", "$.step", "$.label", "$.reviewer", "$.time"]);
    expect(parseStepLabel({ trace: "t", step: "2.5", label: "accept", reviewer: "a" })).toMatchObject({ ok: false, errors: [{ path: "$.step" }] });
    expect(parseStepLabel({ trace: "t", step: 1.5, label: "accept", reviewer: "a" })).toMatchObject({ ok: false, errors: [{ path: "$.step" }] });
    expect(parseStepLabel({ trace: "t", step: 1, label: "accept" })).toMatchObject({ ok: false, errors: [{ path: "$.reviewer", error: expect.stringContaining("missing") }] });
    expect(parseStepLabel({ trace: "t", step: 1, label: "accept", reviewer: "a", time: 1733526000 })).toMatchObject({ ok: false, errors: [{ path: "$.time" }] });
    expect(parseStepLabel(["t", 1])).toMatchObject({ ok: false, errors: [{ path: "$" }] });
  });

  it("ignores harmless extra keys but refuses keys whose meaning would be lost", () => {
    expect(parseStepLabel({ trace: "t", step: 1, label: "accept", reviewer: "a", confidence: 0.9, tool: "label-studio" })).toMatchObject({ ok: true, ignored: ["confidence", "tool"] });
    expect(parseStepLabel({ trace: "t", step: 1, label: "accept", reviewer: "a", rating: -1 })).toMatchObject({ ok: false, errors: [{ path: "$.rating" }] });
    expect(parseStepLabel({ trace: "t", step: 1, label: "accept", reviewer: "a", step_id: 991 })).toMatchObject({ ok: false, errors: [{ path: "$.step_id" }] });
  });

  it("reads ISO 8601 strictly: impossible dates and other notations are bad times", () => {
    expect(parseIsoTime("2026-02-31T10:00:00Z")).toBeNull();
    expect(parseIsoTime("12/06/2026")).toBeNull();
    expect(parseIsoTime("2026-12-06")?.toISOString()).toBe("2026-12-06T00:00:00.000Z");
    expect(parseIsoTime("2026-12-06T23:10:05.123456Z")?.toISOString()).toBe("2026-12-06T23:10:05.123Z");
    expect(parseIsoTime("2026-12-06 23:10:05+0200")?.toISOString()).toBe("2026-12-06T21:10:05.000Z");
  });

  it("is detected from the first line, through a BOM, CRLF line endings and blank lines, and reads every line with its number", () => {
    const text = '\r\n{"trace": "a", "step": 0, "label": "accept", "reviewer": "x"}\r\n\r\n{"trace": 5, "step": "1", "label": "Neutral", "reviewer": "y", "extra": 1}\r\n{"trace": "c", "step": 2, "label": "maybe", "reviewer": "z"}\r\n';
    const p = file("labels.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(detectFormat(p)).toBe("step-labels");
    const items = [...readItems(p, "step-labels")];
    expect(items.filter((i) => i.type === "label").map((i) => [i.line, i.type === "label" && i.value.trace, i.type === "label" && i.value.label])).toEqual([
      [2, "a", "accept"],
      [4, "5", "neutral"],
    ]);
    expect(items).toContainEqual({ type: "error", line: 5, path: "$.label", error: 'expected accept, neutral or reject, found "maybe"' });
    expect(items).toContainEqual({ type: "warning", line: 4, message: expect.stringContaining('"extra" (1 line)') });
  });

  it("does not take a canonical trace or a boxes line for step labels", () => {
    const trace = file("trace.jsonl", `${JSON.stringify({ schema: "stepwise.trace/v1", id: "t", question: "q?", steps: [{ kind: "answer", text: "1" }] })}\n`);
    expect(detectFormat(trace)).toBe("canonical");
  });
});
