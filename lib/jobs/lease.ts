import { randomUUID } from "node:crypto";
import os from "node:os";
import { pidAlive } from "@/lib/jobs/owner";

// Leases on chunks of work (docs/design.md §14). A process takes a chunk by writing a fresh
// token, its pid and host and an expiry into the chunk's row, in a compare-and-swap on the row's
// attempt count; it renews the expiry while it works and writes the chunk's results only while the
// row still carries its token (the token is the fence: a holder whose lease was taken over writes
// nothing). A lease has lapsed when its expiry passed, or — on this host — when its process is
// dead, or when this very process holds no such token any more. The rules are plain JavaScript
// over the row, so SQLite (in-process, several processes on one machine) and PostgreSQL (workers
// on several machines) share them; only the compare-and-swap is SQL.

export interface LeasedRow {
  status: string;
  leaseToken: string | null;
  ownerPid: number | null;
  ownerHost: string | null;
  /** Date, or the ISO text SQLite returns. */
  leaseUntil: Date | string | null;
}

export interface Lease {
  token: string;
  ownerPid: number;
  ownerHost: string;
  leaseUntil: Date;
}

export const DEFAULT_LEASE_MS = 60_000;

/** STEPWISE_CHUNK_LEASE_MS when set (≥ 500 ms), else one minute. */
export function leaseMs(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.STEPWISE_CHUNK_LEASE_MS);
  return Number.isFinite(n) && n >= 500 ? n : DEFAULT_LEASE_MS;
}

const globalForLeases = globalThis as unknown as { __stepwiseLeases?: Set<string> };

/** Tokens this process holds now. */
function held(): Set<string> {
  globalForLeases.__stepwiseLeases ??= new Set();
  return globalForLeases.__stepwiseLeases;
}

/** A new lease for this process, expiring `ms` from now (registered as held until `dropLease`). */
export function newLease(ms = leaseMs(), now = new Date()): Lease {
  const lease = { token: randomUUID(), ownerPid: process.pid, ownerHost: os.hostname(), leaseUntil: new Date(now.getTime() + ms) };
  held().add(lease.token);
  return lease;
}

export function dropLease(lease: Pick<Lease, "token">): void {
  held().delete(lease.token);
}

/** The lease's expiry pushed `ms` from now. */
export function extended(lease: Lease, ms = leaseMs(), now = new Date()): Lease {
  return { ...lease, leaseUntil: new Date(now.getTime() + ms) };
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Whether a chunk can be taken: pending, or running under a lease that has lapsed. */
export function claimable(row: LeasedRow, now = new Date()): boolean {
  if (row.status === "pending") return true;
  if (row.status !== "running") return false;
  if (row.ownerHost === os.hostname() && row.ownerPid !== null) {
    if (row.ownerPid === process.pid) return row.leaseToken === null || !held().has(row.leaseToken);
    if (!pidAlive(row.ownerPid)) return true;
  }
  const until = toDate(row.leaseUntil);
  return until === null || until.getTime() < now.getTime();
}
