import type { StepKind } from "@/lib/schemas/trace";

// What every importer produces; the import service writes only these shapes.

export interface NormalizedStep {
  kind: StepKind;
  text?: string | null;
  tool?: string | null;
  callId?: string | null;
  args?: Record<string, unknown> | null;
  result?: unknown;
}

/** A label that arrives with the data (PRM800K ratings, VisProg verdicts): stored as a Review. */
export interface ExternalLabel {
  stepIndex: number | null; // null = trace-level decision
  label: "accept" | "neutral" | "reject";
  source: string; // external:<name>
  provenance: Record<string, unknown>;
}

export interface NormalizedTrace {
  externalId: string;
  image?: string | null;
  scene?: string | null;
  question: string;
  answer: string | null;
  finalAnswer?: string | null;
  teacherModel?: string | null;
  teacherParams?: Record<string, unknown> | null;
  method: string;
  format: string;
  raw: string; // the original record, verbatim
  program?: unknown[] | null;
  steps: NormalizedStep[];
  labels?: ExternalLabel[];
  relations?: string[];
}

export interface NormalizedSceneObject {
  index: number;
  color?: string | null;
  size?: string | null;
  shape?: string | null;
  material?: string | null;
  coords3d?: [number, number, number] | null;
  pixel?: [number, number, number] | null;
  rotation?: number | null;
  extra?: Record<string, unknown> | null;
}

export interface NormalizedScene {
  name: string;
  image: string;
  kind: string;
  objects: NormalizedSceneObject[];
  relationships?: Record<string, number[][]> | null;
  directions?: Record<string, number[]> | null;
  info?: Record<string, unknown> | null;
}

export interface NormalizedBox {
  image: string;
  source: string; // ground_truth | derived | detector:<name> | human
  label?: string | null;
  objectIndex?: number | null;
  box: [number, number, number, number]; // pixels, x y w h
  score?: number | null;
}

export interface NormalizedQuestion {
  externalId: string;
  image: string;
  text: string;
  answer: string | null;
  program?: unknown[] | null;
  source: string;
}

export type ImportRecord =
  | { type: "trace"; line: number; value: NormalizedTrace }
  | { type: "scene"; line: number; value: NormalizedScene }
  | { type: "box"; line: number; value: NormalizedBox }
  | { type: "question"; line: number; value: NormalizedQuestion };

export interface RecordError {
  line: number;
  path: string;
  error: string;
}
