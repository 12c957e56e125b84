import fs from "node:fs";
import os from "node:os";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { startThread, threadFiles } from "@/lib/workers/thread";

describe.runIf(fs.existsSync("/proc/thread-self"))("lowerThisThreadsPriority", () => {
  it("lowers the calling worker thread's priority and leaves the process's main thread alone", async () => {
    const before = os.getPriority(process.pid);
    const files = threadFiles("fixtures/harness/nice-thread.ts", "test thread");
    if ("reason" in files) throw new Error(files.reason);
    const target = Math.min(19, before + 3);
    const worker = startThread(files, target);
    const [message] = (await once(worker, "message")) as [{ lowered: boolean; tid: number; nice: number }];
    await worker.terminate();
    expect(message.lowered).toBe(true);
    expect(message.tid).not.toBe(process.pid);
    expect(message.nice).toBe(target);
    expect(os.getPriority(process.pid)).toBe(before);
  });
});
