import type { ExportClass, SplitName } from "@/lib/schemas/exports";

// What the exporters consume: a trace with its steps, each step's resolved label and provenance,
// and where its image is. Built by the export service from the tables; the exporters are pure.

export type StepKind = "plan" | "tool_call" | "tool_result" | "reasoning" | "answer";

/** A step's label: good (accept / verifier pass), bad (reject / verifier fail), neutral (human only). */
export type LabelValue = "good" | "bad" | "neutral";

export interface StepLabel {
  value: LabelValue | null;
  /** "gold" (adjudicated), "human", "external:<name>" (imported human labels) or "verifier"; null when unlabeled. */
  source: string | null;
  /** The human side alone (for agreement figures), whatever the priority chose. */
  human: LabelValue | null;
  humanSource: string | null;
  /** The verifier side alone: pass, fail, or null when every rule skipped or there is no run. */
  verifier: "pass" | "fail" | null;
}

export interface ExportStep {
  id: number;
  index: number;
  kind: StepKind;
  /** 0 = as the teacher wrote it; higher after human edits or re-runs. */
  revision: number;
  text: string | null;
  tool: string | null;
  callId: string | null;
  args: Record<string, unknown> | null;
  /** Arguments as stored (JSON text), for layouts that want them as a string (OpenAI). */
  argsJson: string | null;
  /** The result as stored (JSON text); null = no result recorded (only tool_result steps have one). */
  resultJson: string | null;
  label: StepLabel;
}

export interface ExportImage {
  name: string;
  sha256: string | null;
  /** Absolute path of the stored file, when there is one. */
  file: string | null;
  url: string | null;
  mime: string | null;
}

export interface TraceJudgment {
  value: "good" | "bad" | null;
  source: string | null;
}

export interface ExportTrace {
  id: number;
  externalId: string;
  dataset: string;
  question: string;
  answer: string | null;
  method: string;
  teacherModel: string | null;
  image: ExportImage | null;
  steps: ExportStep[];
  judgment: TraceJudgment;
  quality: number | null;
  valid: boolean | null;
  verifierVersion: number | null;
  relations: string[];
  relationClass: ExportClass;
  split: SplitName;
}
