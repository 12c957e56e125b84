import { db } from "@/lib/db";
import { env } from "@/lib/env";

// Until sign-in lands (C8) every label is recorded for the local user (STEPWISE_USER, "local").

export interface UserRef {
  id: number;
  name: string;
}

export async function resolveUser(name?: string): Promise<UserRef> {
  const wanted = name?.trim() || env().STEPWISE_USER;
  return db().user.upsert({ where: { name: wanted }, update: {}, create: { name: wanted, role: "reviewer" }, select: { id: true, name: true } });
}
