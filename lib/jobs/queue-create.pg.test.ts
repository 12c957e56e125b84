import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeQueue, enqueueJobs, jobCounts } from "@/lib/jobs/queue";

// Job queues are made on first use, by whichever process needs one first (lib/jobs/queue.ts
// ensureQueue). pg-boss's create_queue adds a foreign key to its queue table, and two creations at
// once deadlocked (40P01) — a `stepwise worker` makes three queues at start, so two workers started
// together failed. Here several processes, and several calls in one process, make the same new
// queues at the same moment: every one succeeds and each queue exists once.

afterAll(async () => {
  await closeQueue();
});

interface Child {
  ready: Promise<void>;
  outcome: Promise<string>;
  go(): void;
}

function creator(kinds: string[]): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("lib/jobs/queue-create-fixture.ts"), ...kinds], { env: { ...process.env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes("ready\n")) markReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const outcome = new Promise<string>((resolve) =>
    child.on("exit", (code) => resolve(code === 0 ? out.replace("ready\n", "").trim() : `exit ${code}: ${out}${err}`)),
  );
  return { ready: Promise.race([ready, outcome.then(() => {})]), outcome, go: () => child.stdin.write("go\n") };
}

describe("job queues made by several processes at once (PostgreSQL)", () => {
  it("calls in one process that make different new queues at the same moment all succeed", async () => {
    const kinds = Array.from({ length: 6 }, (_, i) => `race-local-${i}`);
    await Promise.all(kinds.map((kind) => enqueueJobs(kind, [{ id: "1" }])));
    for (const kind of kinds) expect(await jobCounts(kind)).toEqual({ waiting: 1, active: 0 });
  });

  it("processes that make the same new queues at the same moment all succeed", async () => {
    const kinds = ["race-a", "race-b", "race-c", "race-d"];
    const children = Array.from({ length: 4 }, (_, i) => creator(i % 2 ? [...kinds].reverse() : kinds));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const outcomes = await Promise.all(children.map((c) => c.outcome));
    expect(outcomes).toEqual(children.map(() => "created"));
    for (const kind of kinds) expect(await jobCounts(kind)).toEqual({ waiting: 0, active: 0 });
  }, 240_000);
});
