import { describe, expect, it } from "vitest";
import type { ExportFormatOption } from "@/lib/formats/export/format";
import { EXPORT_FORMAT_DEFINITIONS, EXPORT_FORMATS, exportFormat, formatsWith } from "@/lib/formats/export/registry";
import type { ExportStep, ExportTrace } from "@/lib/formats/export/types";
import { exportConfig, EXPORT_FORMAT_INFO } from "@/lib/schemas/exports";
import { defaultForm, toConfig } from "@/components/exports/form-state";

// The registry is the one list of export formats: everything that names formats derives from it.

function step(index: number, kind: ExportStep["kind"], label: "good" | "bad" | null, extra: Partial<ExportStep> = {}): ExportStep {
  return {
    id: index + 1, index, kind, revision: 0, text: kind === "tool_call" || kind === "tool_result" ? null : `step ${index}`, tool: null, callId: null, args: null, argsJson: null, resultJson: null,
    label: { value: label, source: label ? "verifier" : null, human: null, humanSource: null, verifier: label === "bad" ? "fail" : label ? "pass" : null },
    ...extra,
  };
}

function trace(labels: Array<"good" | "bad">): ExportTrace {
  const steps = [
    step(0, "plan", labels[0]),
    step(1, "tool_call", labels[1], { tool: "relate", callId: "c1", args: { object: "obj_1", relation: "left" }, argsJson: '{"object":"obj_1","relation":"left"}' }),
    step(2, "tool_result", labels[2], { callId: "c1", resultJson: '["obj_2"]' }),
    step(3, "reasoning", labels[3]),
    step(4, "answer", labels[4]),
  ];
  return {
    id: 1, externalId: "t-1", dataset: "d", question: "How many things are left of the cube?", answer: "1", method: "direct", teacherModel: null,
    image: { name: "a.png", sha256: "cd".repeat(32), file: null, url: null, mime: "image/png" }, steps,
    judgment: { value: labels.includes("bad") ? "bad" : "good", source: "verifier" }, quality: 0.5, valid: !labels.includes("bad"), verifierVersion: 1,
    relations: ["left"], relationClass: "projective", split: "train",
  };
}

const ALL_OPTIONS: ExportFormatOption[] = ["mask", "embed", "imageBaseUrl", "truncateAfterFirstError", "stepLabels", "gamma", "turns"];

describe("export format registry", () => {
  it("names are unique kebab-case, and the config schema, the info table and the lookup all follow the registry", () => {
    const names = EXPORT_FORMAT_DEFINITIONS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect([...EXPORT_FORMATS]).toEqual(names);
    expect(Object.keys(EXPORT_FORMAT_INFO)).toEqual(names);
    for (const name of names) {
      expect(exportConfig.parse({ datasets: ["d"], format: name }).format).toBe(name);
      expect(exportFormat(name).name).toBe(name);
    }
    const bad = exportConfig.safeParse({ datasets: ["d"], format: "no-such-format" });
    expect(bad.success).toBe(false);
  });

  it("every definition is complete: label, summary, trainer, card text and tags", () => {
    for (const d of EXPORT_FORMAT_DEFINITIONS) {
      for (const text of [d.label, d.summary, d.trainer, d.card.columns]) expect(text.trim().length, d.name).toBeGreaterThan(0);
      expect(d.card.tags.length, d.name).toBeGreaterThan(0);
    }
  });

  it.each(EXPORT_FORMATS)("%s: rows parse with its schema and rowsPerTrace agrees with build, under every option it honours", (name) => {
    const d = exportFormat(name);
    const unit = { trace: trace(["good", "good", "bad", "good", "good"]), rejected: trace(["good", "bad", "bad", "bad", "bad"]), pair: "group" as const };
    for (const extra of [{}, { rejectedSteps: "drop" }, ...(d.options.includes("truncateAfterFirstError") ? [{ truncateAfterFirstError: true }] : [])]) {
      for (const images of ["copy", "none"] as const) {
        const config = exportConfig.parse({ datasets: ["d"], format: name, images, ...extra });
        const built = d.build(unit, { config, images: images === "none" ? [] : ["images/cd/x.png"], imageUrl: images === "none" ? null : "images/cd/x.png" });
        expect(built.rows.length, JSON.stringify(extra)).toBe(d.rowsPerTrace?.(unit.trace.steps, config) ?? 1);
        for (const row of built.rows) d.rowSchema.parse(row);
        if (d.needs.sidecar) expect(built.sidecar?.length).toBe(built.rows.length);
        else expect(built.sidecar).toBeUndefined();
      }
    }
  });

  it("a format-specific option is refused on a format that does not list it, naming the field and the formats that do", () => {
    const settings: Record<Exclude<ExportFormatOption, "stepLabels" | "gamma">, [string, Record<string, unknown>]> = {
      mask: ["rejectedSteps", { rejectedSteps: "mask" }],
      embed: ["images", { images: "embed" }],
      imageBaseUrl: ["imageBaseUrl", { imageBaseUrl: "https://example.org/x/" }],
      truncateAfterFirstError: ["truncateAfterFirstError", { truncateAfterFirstError: true }],
      turns: ["turns", { turns: "multi" }],
    };
    for (const [option, [field, value]] of Object.entries(settings) as Array<[ExportFormatOption, [string, Record<string, unknown>]]>) {
      const honouring = formatsWith(option);
      expect(honouring.length, option).toBeGreaterThan(0);
      for (const name of EXPORT_FORMATS) {
        const parsed = exportConfig.safeParse({ datasets: ["d"], format: name, ...value });
        if (honouring.includes(name)) expect(parsed.success, `${name} ${option}`).toBe(true);
        else {
          expect(parsed.success, `${name} ${option}`).toBe(false);
          const issue = parsed.error!.issues.find((i) => i.path[0] === field)!;
          expect(issue.message).toContain(honouring.at(-1)!);
        }
      }
    }
  });

  it("the web form sends a format-specific option only to formats that honour it", () => {
    for (const name of EXPORT_FORMATS) {
      const form = { ...defaultForm(undefined), datasets: ["d"], format: name, rejectedSteps: "mask" as const, images: "embed" as const, truncateAfterFirstError: true, gamma: "0.5", labelType: "float" as const, turns: "multi" as const };
      const config = toConfig(form);
      // whatever the format, what the form sends validates
      expect(exportConfig.safeParse(config).success, name).toBe(true);
      const d = exportFormat(name);
      expect(config.rejectedSteps === "mask").toBe(d.options.includes("mask"));
      expect(config.images === "embed").toBe(d.options.includes("embed"));
      expect(config.truncateAfterFirstError).toBe(d.options.includes("truncateAfterFirstError"));
      expect(config.gamma !== undefined).toBe(d.options.includes("gamma"));
      expect(config.labelType !== undefined).toBe(d.options.includes("stepLabels"));
      expect(config.turns === "multi").toBe(d.options.includes("turns"));
    }
    expect(ALL_OPTIONS.every((o) => formatsWith(o).length > 0)).toBe(true);
  });
});
