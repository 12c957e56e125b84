import os from "node:os";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { claimable, dropLease, extended, leaseMs, newLease } from "@/lib/jobs/lease";

// Who may take a chunk (docs/design.md §14): the rules behind every claim, on any database.

const now = new Date("2026-12-06T23:00:00Z");
const running = (over: Record<string, unknown>) => ({ status: "running", leaseToken: "t", ownerPid: 12345, ownerHost: "other-host", leaseUntil: new Date(now.getTime() + 10_000), ...over });

describe("chunk leases", () => {
  it("a pending chunk is free; a done one never is", () => {
    expect(claimable({ status: "pending", leaseToken: null, ownerPid: null, ownerHost: null, leaseUntil: null }, now)).toBe(true);
    expect(claimable({ ...running({}), status: "done" }, new Date(now.getTime() + 60_000))).toBe(false);
  });

  it("another machine's lease holds until it expires (Date or SQLite's ISO text)", () => {
    expect(claimable(running({}), now)).toBe(false);
    expect(claimable(running({}), new Date(now.getTime() + 10_001))).toBe(true);
    expect(claimable(running({ leaseUntil: new Date(now.getTime() + 10_000).toISOString() }), now)).toBe(false);
    expect(claimable(running({ leaseUntil: null }), now)).toBe(true);
  });

  it("on this machine a dead holder's chunk is free at once; a live one's is not", () => {
    const dead = spawnSync("true").pid!;
    expect(claimable(running({ ownerHost: os.hostname(), ownerPid: dead }), now)).toBe(true);
    expect(claimable(running({ ownerHost: os.hostname(), ownerPid: process.ppid }), now)).toBe(false);
  });

  it("in this process, a chunk is held only while its lease is", () => {
    const lease = newLease(5_000, now);
    const row = running({ ownerHost: lease.ownerHost, ownerPid: lease.ownerPid, leaseToken: lease.token, leaseUntil: lease.leaseUntil });
    expect(claimable(row, now)).toBe(false);
    expect(extended(lease, 5_000, new Date(now.getTime() + 4_000)).leaseUntil.getTime()).toBe(now.getTime() + 9_000);
    dropLease(lease);
    expect(claimable(row, now)).toBe(true);
  });

  it("the lease length comes from STEPWISE_CHUNK_LEASE_MS (at least 500 ms), else one minute", () => {
    expect(leaseMs({ STEPWISE_CHUNK_LEASE_MS: "2000" })).toBe(2000);
    expect(leaseMs({ STEPWISE_CHUNK_LEASE_MS: "10" })).toBe(60_000);
    expect(leaseMs({})).toBe(60_000);
  });
});
