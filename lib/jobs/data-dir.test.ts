import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dataDirId, dataDirQueue } from "@/lib/jobs/data-dir";

const saved = process.env.STEPWISE_DATA_DIR;
afterEach(() => {
  process.env.STEPWISE_DATA_DIR = saved;
});

const freshDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stepwise-data-id-")), "data");

describe("the data dir's id", () => {
  it("is made once in the directory and read back by every process that uses it", () => {
    const dir = freshDir();
    process.env.STEPWISE_DATA_DIR = dir;
    const id = dataDirId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(fs.readFileSync(path.join(dir, ".stepwise-data-id"), "utf8").trim()).toBe(id);
    expect(dataDirId()).toBe(id);
    expect(dataDirQueue("stepwise-export")).toBe(`stepwise-export-${id}`);
    // another directory (another machine's disk): another id, so another queue
    process.env.STEPWISE_DATA_DIR = freshDir();
    expect(dataDirId()).not.toBe(id);
    expect(dataDirQueue("stepwise-job", id)).toBe(`stepwise-job-${id}`);
  });

  it("an id file that is not one is a clear error, not a queue nobody serves", () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, ".stepwise-data-id"), "hello\n");
    process.env.STEPWISE_DATA_DIR = dir;
    expect(() => dataDirId()).toThrow(`${path.join(dir, ".stepwise-data-id")}: not a data dir id (32 hex digits); remove the file and it is made again`);
  });
});
