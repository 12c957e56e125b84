import { closeQueue, jobCounts } from "@/lib/jobs/queue";

// A process that makes the job queues named on its command line all at once (lib/jobs/queue-create.pg.test.ts):
// it prints "ready" once its queue connection is up, waits for a line on stdin (the test starts
// every process's creation at the same moment), then prints "created" or the error and exits.

const kinds = process.argv.slice(2);
await jobCounts("queue-create-fixture"); // the connection and pg-boss's schema, before the race
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
try {
  await Promise.all(kinds.map((kind) => jobCounts(kind)));
  process.stdout.write("created\n");
} catch (error) {
  process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await closeQueue();
  process.stdin.destroy();
}
