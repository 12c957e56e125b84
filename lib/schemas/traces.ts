import type { TraceVerificationDto } from "@/lib/schemas/verifier";

// The DTOs the trace resources return (request schemas: lib/schemas/trace-list.ts, lib/schemas/ids.ts).

export interface TraceListItem {
  id: number;
  externalId: string;
  dataset: string;
  question: string;
  method: string;
  format: string;
  stepCount: number;
  finalAnswer: string | null;
  answer: string | null;
  quality: number | null;
  valid: boolean | null;
  /** Steps failing any rule in the latest run, and the rules that failed (sorted). */
  failingSteps: number | null;
  failingRules: string[];
  /** Steps where the verifier and the human labels disagree. */
  disagreements: number;
  labelState: string;
  decision: string | null;
  /** the trace's image (GET /api/images/:id), for the list's gallery; null when it has none */
  imageId: number | null;
}

export interface StepDto {
  id: number;
  index: number;
  kind: string;
  text: string | null;
  tool: string | null;
  callId: string | null;
  args: unknown;
  result: unknown;
  refs: number[];
  revision: number;
  version: number;
}

export interface BoxDto {
  id: number;
  source: string;
  label: string | null;
  objectIndex: number | null;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number | null;
  version: number;
}

export interface SceneObjectDto {
  index: number;
  color: string | null;
  size: string | null;
  shape: string | null;
  material: string | null;
  px: number | null;
  py: number | null;
  depth: number | null;
  /** A photo object's category and attribute words (graph / boxes scenes); null / [] on CLEVR. */
  category: string | null;
  attributes: string[];
}

export interface ReviewDto {
  id: number;
  stepId: number | null;
  label: string;
  comment: string | null;
  source: string;
  user: string;
  provenance: unknown;
  createdAt: string;
}

export interface TraceDetail {
  id: number;
  externalId: string;
  dataset: { id: number; name: string };
  question: string;
  answer: string | null;
  /** Why the ground truth (`answer`) cannot be trusted (its program fails the verifier); null = no doubt. Never used to check answers. */
  answerUnreliable?: string | null;
  finalAnswer: string | null;
  method: string;
  format: string;
  teacherModel: string | null;
  teacherParams: unknown;
  quality: number | null;
  valid: boolean | null;
  decision: string | null;
  version: number;
  image: { id: number; name: string; width: number | null; height: number | null; available: boolean; url: string | null } | null;
  scene: { id: number; name: string; kind: string; objects: SceneObjectDto[] } | null;
  boxes: BoxDto[];
  steps: StepDto[];
  reviews: ReviewDto[];
  /** The latest verifier run's verdicts for this trace, or null before any run. */
  verification: TraceVerificationDto | null;
  /** Faults the scripted teacher injected (its `meta.faults`), shown next to the verdicts. */
  injected: InjectedFaultDto[];
}

export interface InjectedFaultDto {
  type: string;
  step: number;
  detail: string;
}
