import { AppError, type ErrorDetail } from "@/lib/errors";
import { mapConcurrent } from "@/lib/jobs/jobs";
import { agreement, type Agreement } from "@/lib/spare/agreement";
import { endpointModels } from "@/lib/spare/llm-models";
import { ruleClassify, spareConfig } from "@/lib/spare/pipeline";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import type { SpareEndpoint } from "@/lib/schemas/spare";

// The pre-filter's agreement report (docs/design.md §12): a hand-labelled caption set
// (JSONL {"caption": text, "spatial": true | false}) against the rule classifier and, with an
// endpoint, against the LLM classifier (the paper's question at temperature 0) — each against the
// labels, and the two against each other (Cohen's kappa). Reading is all or nothing.

export interface LabelledCaption {
  caption: string;
  spatial: boolean;
  line: number;
}

export interface Disagreement {
  line: number;
  caption: string;
  label: boolean;
  rules: boolean;
  llm: boolean | null;
}

export interface AgreementReport {
  file: string;
  captions: number;
  labels: { spatial: number; not_spatial: number };
  rules: Agreement;
  llm: (Agreement & { model: string; unreadable: number }) | null;
  llm_vs_rules: Agreement | null;
  /** Captions where a classifier and the label differ (first 50). */
  disagreements: Disagreement[];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a labelled set; throws one invalid_input naming every bad line (file:line:path). */
export function readLabelledCaptions(file: string, buffer: Buffer): LabelledCaption[] {
  const errors: ErrorDetail[] = [];
  const rows: LabelledCaption[] = [];
  let text: string;
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff) || buffer.subarray(0, 200).includes(0)) {
    throw new AppError("invalid_input", `${file}: the file is UTF-16 (or binary); save it as UTF-8`, [{ file, line: 1, path: "$", error: "UTF-16 or binary data; save it as UTF-8" }]);
  }
  try {
    text = strictUtf8.decode(buffer).replace(/^\uFEFF/, "");
  } catch {
    throw new AppError("invalid_input", `${file}: not valid UTF-8 (save the file as UTF-8)`, [{ file, line: 1, path: "$", error: "not valid UTF-8" }]);
  }
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      errors.push({ file, line, path: "$", error: `not JSON (${(error as Error).message})` });
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      errors.push({ file, line, path: "$", error: "expected an object {\"caption\", \"spatial\"}" });
      return;
    }
    const record = value as Record<string, unknown>;
    const caption = typeof record.caption === "string" ? record.caption.trim() : "";
    if (!caption) errors.push({ file, line, path: "$.caption", error: record.caption === undefined ? "missing" : "expected a non-empty string" });
    const label = record.spatial ?? record.label;
    const spatial = label === true || label === 1 || label === "yes" ? true : label === false || label === 0 || label === "no" ? false : null;
    if (spatial === null) errors.push({ file, line, path: record.spatial === undefined && record.label !== undefined ? "$.label" : "$.spatial", error: label === undefined ? "missing (true or false)" : `expected true or false, got ${JSON.stringify(label)}` });
    if (caption && spatial !== null) rows.push({ caption, spatial, line });
  });
  if (errors.length) throw new AppError("invalid_input", `${errors.length} error(s) in ${file}: ${errors.slice(0, 3).map((e) => `${e.file}:${e.line} ${e.path}: ${e.error}`).join("; ")}`, errors);
  if (rows.length === 0) throw new AppError("invalid_input", `${file}: no labelled captions (expected JSONL {"caption": text, "spatial": true|false})`, [{ file, line: 1, path: "$", error: "no labelled captions" }]);
  return rows;
}

export async function classifierAgreement(options: { file: string; buffer: Buffer; chat?: SpareEndpoint | null; concurrency?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<AgreementReport> {
  const rows = readLabelledCaptions(options.file, options.buffer);
  const labels = rows.map((r) => r.spatial);
  const rules = rows.map((r) => ruleClassify(r.caption).spatial);
  let llm: boolean[] | null = null;
  let unreadable = 0;
  if (options.chat) {
    let client: EndpointClient;
    try {
      client = new EndpointClient({ baseUrl: options.chat.baseUrl, model: options.chat.model, apiKeyEnv: options.chat.apiKeyEnv, params: { temperature: 0 } });
    } catch (error) {
      throw new AppError("invalid_input", (error as Error).message);
    }
    const models = endpointModels({ chat: client, config: spareConfig.parse({ classifier: "llm", synthesizer: "llm" }), signal: options.signal });
    let done = 0;
    const answers = await mapConcurrent(
      rows,
      options.concurrency ?? 4,
      async (row) => {
        const answer = await models.classify(row.caption);
        options.onProgress?.(++done, rows.length);
        return answer;
      },
      options.signal,
    );
    if (answers.some((a) => a === undefined)) throw new AppError("cancelled", "agreement run cancelled");
    llm = answers.map((a) => a!.spatial);
    unreadable = answers.filter((a) => a!.reason.startsWith("llm: unreadable")).length;
  }
  const disagreements: Disagreement[] = [];
  rows.forEach((row, i) => {
    if (rules[i] !== row.spatial || (llm && llm[i] !== row.spatial)) disagreements.push({ line: row.line, caption: row.caption.slice(0, 200), label: row.spatial, rules: rules[i], llm: llm ? llm[i] : null });
  });
  return {
    file: options.file,
    captions: rows.length,
    labels: { spatial: labels.filter(Boolean).length, not_spatial: labels.filter((l) => !l).length },
    rules: agreement(labels, rules),
    llm: llm && options.chat ? { ...agreement(labels, llm), model: options.chat.model, unreadable } : null,
    llm_vs_rules: llm ? agreement(rules, llm) : null,
    disagreements: disagreements.slice(0, 50),
  };
}
