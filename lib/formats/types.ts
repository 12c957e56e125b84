import type { StepKind } from "@/lib/schemas/trace";
import type { BoxConvention } from "@/lib/formats/boxes";

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
  /** Why `answer` (the ground truth) cannot be trusted, e.g. its program fails the verifier; null = no doubt. */
  answerUnreliable?: string | null;
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
  /** Image file name; null when the image is named by `imageIndex` (a scene's image_index). */
  image: string | null;
  imageIndex?: number | null;
  /** COCO results name images by id: resolved through a COCO ground-truth file of the import. */
  cocoImageId?: number | null;
  source: string; // ground_truth | derived | detector:<name> | human
  label?: string | null;
  objectIndex?: number | null;
  /** [x, y, w, h] in original-image pixels unless `convention` says otherwise (see boxes.ts). */
  box: [number, number, number, number];
  convention?: BoxConvention;
  score?: number | null;
  /** Match the box to the scene object whose pixel centre it contains (detector boxes). */
  matchObject?: boolean;
}

/** An image known from the input itself (COCO `images`), possibly without a file. */
export interface NormalizedImage {
  name: string;
  /** The image's id in a COCO file, so results files can refer to it. */
  cocoId?: number | null;
  width?: number | null;
  height?: number | null;
  url?: string | null;
  /** The image's bytes when the input carries them (data: URIs in agent logs); `name` is then content-derived. */
  data?: Buffer | null;
}

export interface NormalizedQuestion {
  externalId: string;
  image: string;
  text: string;
  answer: string | null;
  program?: unknown[] | null;
  source: string;
  /** Why `answer` cannot be trusted (see NormalizedTrace.answerUnreliable). */
  answerUnreliable?: string | null;
}

/** One human step label from another tool (the step-labels format): resolved against the dataset at import. */
export interface NormalizedStepLabel {
  /** The trace's external id. */
  trace: string;
  /** 0-based step index. */
  step: number;
  label: "accept" | "neutral" | "reject";
  /** The reviewer's name as the file gives it (not a user of this app). */
  reviewer: string;
  comment: string | null;
  /** When the label was given (ISO 8601, normalised to UTC); null when the file does not say. */
  time: string | null;
  /** The dataset the line says it belongs to, when it says so (must match the import's). */
  dataset: string | null;
}

/**
 * `unit` names the piece of input a record or error came from when several share a line (the
 * elements of a one-line JSON document); it defaults to the line. An invalid unit is skipped whole.
 */
export type ImportRecord = (
  | { type: "trace"; line: number; value: NormalizedTrace }
  | { type: "scene"; line: number; value: NormalizedScene }
  | { type: "box"; line: number; value: NormalizedBox }
  | { type: "question"; line: number; value: NormalizedQuestion }
  | { type: "image"; line: number; value: NormalizedImage }
  | { type: "label"; line: number; value: NormalizedStepLabel }
) & { unit?: string };

export interface RecordError {
  line: number;
  path: string;
  error: string;
}

/** What a format reader yields, in file order: records, and errors / warnings about lines. */
export type ReadItem =
  | ImportRecord
  | { type: "error"; line: number; path: string; error: string; unit?: string }
  | { type: "warning"; line: number; message: string };

/** A record normalised, or why not (paths relative to the record; the reader adds the line). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: Omit<RecordError, "line">[] };
