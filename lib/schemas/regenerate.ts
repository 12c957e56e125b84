import { z } from "zod";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import { BUILTIN_FAULTS } from "@/lib/schemas/generation";
import { positiveId } from "@/lib/schemas/ids";
import type { StepDto } from "@/lib/schemas/traces";

// Re-generate from here (docs/design.md §6): cut a trace after a step and let a teacher continue;
// the replaced continuation is kept as a branch the user can view and restore.

/** Which teacher continues: the one configured for the trace (its generation job's endpoint), the built-in teacher, or an endpoint given here. */
export const regenerateTeacher = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("configured") }).strict(),
  z.object({ kind: z.literal("builtin"), faults: z.enum(BUILTIN_FAULTS).default("none") }).strict(),
  z
    .object({
      kind: z.literal("endpoint"),
      baseUrl: z.string().trim().min(1, "the endpoint URL is required").max(2000),
      model: z.string().trim().min(1, "the model id is required").max(300),
      apiKeyEnv: z.string().trim().regex(ENV_NAME, "must be an environment variable name (letters, digits, _)").max(200).optional(),
    })
    .strict(),
]);
export type RegenerateTeacher = z.input<typeof regenerateTeacher>;

export const regenerateBody = z
  .object({
    /** Keep steps 0..afterStep (a tool call keeps its result with it); the teacher writes the rest. */
    afterStep: z.number().int().min(0),
    /** The trace version the client saw (optimistic concurrency, as trace decisions). */
    expectedVersion: z.number().int().positive(),
    teacher: regenerateTeacher.default({ kind: "configured" }),
    /** Sampling seed; default a fresh one, so the continuation is a new sample. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    /** Turns the teacher may take from the cut (default: the job's maxTurns, else 16). */
    maxTurns: z.number().int().min(1).max(200).optional(),
  })
  .strict();
export type RegenerateBody = z.input<typeof regenerateBody>;

export const restoreBody = z.object({ expectedVersion: z.number().int().positive(), force: z.boolean().default(false) }).strict();
export type RestoreBody = z.input<typeof restoreBody>;

export const branchParams = z.object({ id: positiveId, branch: positiveId });

/** A step of an archived continuation: the live step's fields (StepDto) less its id, refs and version. */
export interface BranchStepDto extends Pick<StepDto, "index" | "kind" | "text" | "tool" | "callId" | "args" | "result" | "revision"> {
  /** human labels the step carried when it was replaced */
  labels: Array<{ userId: number; reviewer: string; label: string; comment: string | null }>;
}

export interface BranchDto {
  id: number;
  afterIndex: number;
  /** what replaced this continuation: a re-generation or the restore of another branch */
  reason: "regenerate" | "restore";
  steps: BranchStepDto[];
  finalAnswer: string | null;
  /** the teacher whose continuation replaced this one */
  teacher: string | null;
  createdBy: string | null;
  createdAt: string;
  /** false when the steps before the cut changed since: restoring needs force */
  prefixMatches: boolean;
}

export interface ContinuationsDto {
  traceId: number;
  /** the configured teacher, or why there is none */
  teacher: { available: boolean; label: string | null; job: number | null; reason: string | null };
  branches: BranchDto[];
}

export interface RegenerateResultDto {
  traceId: number;
  traceVersion: number;
  afterIndex: number;
  /** the archived continuation */
  branch: number;
  /** steps the teacher wrote */
  added: number;
  removed: number;
  stopReason: string;
  teacher: string;
  finalAnswer: string | null;
}
