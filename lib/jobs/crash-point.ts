// Crash points for the kill-and-recover tests (lib/recovery/recovery.int.test.ts): a job calls
// `crashPoint("verify:batch")` at the places where a real crash would hurt most, and when the
// environment variable STEPWISE_CRASH_AT names that point (optionally `name@N`: the Nth time it
// is reached) the process SIGKILLs itself there — a real kill, no cleanup, no finally blocks.
// Unset (always, outside those tests) it costs one property read.

const counts = new Map<string, number>();

export function crashPoint(name: string): void {
  const target = process.env.STEPWISE_CRASH_AT;
  if (!target) return;
  const [point, nth] = target.split("@");
  if (point !== name) return;
  const seen = (counts.get(name) ?? 0) + 1;
  counts.set(name, seen);
  if (seen >= Number(nth ?? 1)) process.kill(process.pid, "SIGKILL");
}
