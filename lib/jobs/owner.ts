import os from "node:os";

// Who owns a running row — a verifier run, an import, an export, a job (docs/design.md §11). A
// process stamps ownerPid/ownerHost/heartbeatAt when it starts the work and refreshes heartbeatAt
// while it goes on; crash recovery (lib/recovery) asks `ownerGone` whether the owner is still
// there. One rule for every job kind:
//   - owned by this very process: gone unless the work is registered active here (`markActive`);
//   - owned by another pid on this host: gone when that pid is dead;
//   - owned on another host (or no owner stamped): gone when its heartbeat (else its start) is
//     older than `staleMs`.

export interface OwnedRow {
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: Date | string | null;
}

export interface OwnerOptions {
  /** Another host's owner (or an unstamped row) silent for this long is gone (default 2 min). */
  staleMs?: number;
  now?: Date;
  /** When the row's work began: the age of an unstamped row (legacy rows, written before owners). */
  since?: Date | string | null;
}

export const DEFAULT_OWNER_STALE_MS = 2 * 60_000;

const globalForOwners = globalThis as unknown as { __stepwiseActiveWork?: Set<string> };

function active(): Set<string> {
  globalForOwners.__stepwiseActiveWork ??= new Set();
  return globalForOwners.__stepwiseActiveWork;
}

/** Where a worker thread sends its marks (its globalThis is its own; see `relayActiveWork`). */
let relay: ((key: string, active: boolean) => void) | null = null;

/** Registers work (e.g. "verifier-run:12") as running in this process until `markInactive`. */
export function markActive(key: string): void {
  active().add(key);
  relay?.(key, true);
}

export function markInactive(key: string): void {
  active().delete(key);
  relay?.(key, false);
}

/**
 * In a worker thread: also send every mark to `to` (the main thread, which marks it in the
 * process's registry), so recovery running there sees the thread's work as live
 * (lib/services/import/import-thread.ts).
 */
export function relayActiveWork(to: (key: string, active: boolean) => void): void {
  relay = to;
}

export function isActiveHere(key: string): boolean {
  return active().has(key);
}

/** The stamp a process writes on the row it starts working on. */
export function ownerStamp(now = new Date()): { ownerPid: number; ownerHost: string; heartbeatAt: Date } {
  return { ownerPid: process.pid, ownerHost: os.hostname(), heartbeatAt: now };
}

/** True when a process with this pid exists on this machine (EPERM: exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const toDate = (value: Date | string | null | undefined): Date | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !/^\d{4}-\d\d-\d\d \d/.test(value) ? value : `${value.replace(" ", "T")}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
};

/**
 * Whether the owner of a running row is gone (see the rules above). `key` names the work in this
 * process's registry ("verifier-run:12"): a row this process stamped but no longer runs is gone.
 */
export function ownerGone(row: OwnedRow, key: string, options: OwnerOptions = {}): boolean {
  if (row.ownerHost === os.hostname() && row.ownerPid !== null) {
    if (row.ownerPid === process.pid) return !isActiveHere(key);
    return !pidAlive(row.ownerPid);
  }
  const now = (options.now ?? new Date()).getTime();
  const last = toDate(row.heartbeatAt) ?? toDate(options.since);
  if (!last) return true;
  return now - last.getTime() > (options.staleMs ?? DEFAULT_OWNER_STALE_MS);
}

/** How a gone owner reads in a report: "pid 123 on host-a (dead)". */
export function describeOwner(row: OwnedRow): string {
  if (row.ownerPid === null) return "no owner recorded";
  const where = row.ownerHost === os.hostname() ? "this host" : (row.ownerHost ?? "an unknown host");
  const beat = toDate(row.heartbeatAt);
  return `pid ${row.ownerPid} on ${where}${beat ? `, last heartbeat ${beat.toISOString()}` : ""}`;
}
