import type { Program } from "@/lib/db/sql";

// Generic persisted background jobs (docs/design.md §11): generation, SpaRE pipelines,
// evaluations. A kind names its work; the machinery in lib/jobs/jobs.ts owns status, ownership,
// heartbeat, cancellation, resume and per-item idempotency.

export const JOB_STATUSES = ["queued", "running", "cancelling", "done", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobItemStatus = "pending" | "running" | "done" | "failed";

export type Counters = Record<string, number>;

export interface JobRow {
  id: number;
  kind: string;
  title: string | null;
  status: JobStatus;
  config: unknown;
  total: number;
  done: number;
  failed: number;
  counters: Counters;
  error: string | null;
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: Date | null;
  runs: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What an item's work hands back: a reference to what it made, and/or a write to commit atomically with "done". */
export interface ItemOutcome {
  /** Stored as the item's result (e.g. a trace id). */
  ref?: string | number | null;
  /**
   * A statement program (lib/db/sql.ts, docs/design.md §14) run in the transaction that marks the
   * item done — synchronously on SQLite's handle, awaited on PostgreSQL — so a crash leaves either
   * both or neither: the produced rows and the item's "done". Its return value, when given,
   * becomes the item's result.
   */
  write?: () => Program<string | number | void | null>;
}

export interface ItemResult {
  key: string;
  status: "done" | "failed" | "skipped";
  /** The stored result reference (for a skipped item: the one stored when it was done). */
  ref: string | null;
  error?: string;
}

export interface JobContext<C> {
  job: Readonly<JobRow>;
  config: C;
  /** Aborted on cancel (from this process or another: the heartbeat sees status "cancelling"). */
  signal: AbortSignal;
  /** Declares how many items the job has (progress and ETA). */
  setTotal(total: number): Promise<void>;
  /**
   * Runs one item at most once to completion across crashes and resumes: an item already done is
   * skipped (its stored ref returned), an item left running by a dead owner is run again. A throw
   * marks the item failed (counted, error kept) unless the job was cancelled; it is retried on
   * the next resume.
   */
  item(key: string, work: (attempt: number) => Promise<ItemOutcome | void>): Promise<ItemResult>;
  /** Adds to a named counter (persisted with each item's completion and on heartbeat). */
  count(name: string, delta?: number): void;
  /** Replaces a named counter (persisted like `count`). */
  setCounter(name: string, value: number): void;
  /** The job's counters as of now (persisted + pending). */
  counters(): Counters;
  /** Items already done in an earlier run (resume), for skipping cheaply without calling item(). */
  doneKeys(): Promise<Set<string>>;
}

export interface JobKind<C = unknown> {
  kind: string;
  /** Validates the stored config (on create and on resume); throw AppError("invalid_input") when bad. */
  parseConfig?: (config: unknown) => C;
  run(ctx: JobContext<C>): Promise<void>;
  /**
   * What happens to a job of this kind whose process died (PostgreSQL job queue, docs/postgres.md
   * "Exports, jobs and recovery"): "resume" (default) — any worker takes it up again, done items
   * skipped; "fail" — it is marked failed (work that cannot be picked up half-way).
   */
  onCrash?: "resume" | "fail";
}

export interface StaleOptions {
  /** A running job whose heartbeat is older than this is stale (default 30 s). */
  staleMs?: number;
  now?: Date;
}
