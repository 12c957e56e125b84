import { db } from "@/lib/db";
import { env } from "@/lib/env";

// Labels are recorded for a named user: over HTTP the signed-in one (routes pass actor.name,
// docs/design.md §13); in services called directly (CLI, tests) STEPWISE_USER, default "local".

export interface UserRef {
  id: number;
  name: string;
}

/** The name labels are recorded under: the given one, else STEPWISE_USER. */
export const reviewerName = (name?: string): string => name?.trim() || env().STEPWISE_USER;

export async function resolveUser(name?: string): Promise<UserRef> {
  const wanted = reviewerName(name);
  // read first: an upsert writes (a new row version on PostgreSQL) on every call
  const found = await db().user.findUnique({ where: { name: wanted }, select: { id: true, name: true } });
  return found ?? db().user.upsert({ where: { name: wanted }, update: {}, create: { name: wanted, role: "reviewer" }, select: { id: true, name: true } });
}
