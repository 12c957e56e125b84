import "@/lib/services/generate/generation";
import "@/lib/services/generate/evaluation";
import "@/lib/services/spare/spare-jobs";
import { workQueuedJobs } from "@/lib/jobs/jobs";
import type { WorkOptions } from "@/lib/jobs/queue";
import { workQueuedExports } from "@/lib/services/export/export-jobs";

// What `stepwise worker` takes from the PostgreSQL job queue besides verifier chunks
// (docs/postgres.md "Exports, jobs and recovery"): generic jobs — generation, evaluation and SpaRE,
// whose kinds the imports above register in this process — and exports. Each runs until
// `options.signal` aborts (or, with `untilIdle`, until its queue is empty).

export async function workGenericQueues(options: WorkOptions = {}): Promise<void> {
  await Promise.all([workQueuedJobs(options), workQueuedExports(options)]);
}
