import { defineCommand, wholeFlag } from "@/lib/cli/command";
import { dataDir } from "@/lib/env";
import { dataDirId } from "@/lib/jobs/data-dir";
import { queueEnabled } from "@/lib/jobs/queue";
import { workGenericQueues } from "@/lib/jobs/queued-work";
import { runWorker } from "@/lib/services/verify/worker";

// `stepwise worker`: works on queued verifier runs (`stepwise verify --queue`) until Ctrl-C /
// SIGTERM, chunk by chunk; start as many as you like, on any machine that reaches the database
// (docs/design.md §14, README "Run workers on several machines"). On PostgreSQL it also takes
// queued generic jobs (generation, evaluation, SpaRE) and exports (lib/jobs/queued-work.ts) — those
// started on its own data dir (lib/jobs/data-dir.ts), since they read and write files there.

export default defineCommand({
  name: "worker",
  summary: "Work on queued verifier runs (verify --queue), chunk by chunk, until stopped; any number of workers share a run",
  usage: [
    "stepwise worker [--threads N] [--poll-ms MS] [--until-idle] [--json]",
    "    --threads N     verification threads in this worker (default STEPWISE_VERIFY_THREADS, else every core but one)",
    "    --poll-ms MS    wait between looks at the queue when idle (default 1000)",
    "    --until-idle    stop once no queued run is left (otherwise: until Ctrl-C / SIGTERM, after the chunk in hand)",
  ].join("\n"),
  options: { threads: { type: "string" }, "poll-ms": { type: "string" }, "until-idle": { type: "boolean" } },
  run: async ({ values, progress }) => {
    const threads = wholeFlag("threads", values.threads as string | undefined);
    const pollMs = wholeFlag("poll-ms", values["poll-ms"] as string | undefined);
    const controller = new AbortController();
    const stop = () => {
      progress("stopping after the chunk in hand…");
      controller.abort();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    progress(`worker ${process.pid} waiting for queued verifier runs`);
    // exports and generation / SpaRE jobs read and write files: only those started on this data dir
    if (queueEnabled()) progress(`worker ${process.pid} also takes exports and jobs started on data dir ${dataDir()} (id ${dataDirId()}); share that directory with the app to take its`);
    try {
      const untilIdle = Boolean(values["until-idle"]);
      // generic jobs and exports share the worker with verifier chunks (PostgreSQL job queue)
      const generic = queueEnabled() ? workGenericQueues({ signal: controller.signal, untilIdle, pollSeconds: pollMs === undefined ? undefined : Math.max(0.5, pollMs / 1000) }) : Promise.resolve();
      const [report] = await Promise.all([runWorker({ threads, pollMs, untilIdle, signal: controller.signal, onEvent: progress }), generic]);
      return { pid: process.pid, chunks: report.chunks, finished: report.finished.map((s) => ({ run: s.run, dataset: s.dataset, traces: s.traces, verdicts: s.verdicts })) };
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  },
  render: (r) => `worker ${r.pid}: ${r.chunks} chunk(s) written${r.finished.length ? `; finished ${r.finished.map((f) => `run ${f.run} (${f.dataset}, ${f.traces} traces)`).join(", ")}` : ""}`,
});
