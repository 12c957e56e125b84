import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import { all, dialectText, prepared, sql, type Program, type Statement } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AssignBody, ClaimResult, ReviewPolicyBody, ReviewPolicyDto, ReviewProgress } from "@/lib/schemas/adjudication";

// Several reviewers per trace (docs/design.md §13). A dataset's ReviewPolicy gives each trace
// `minReviews` slots. A slot is held by a reviewer who has labelled the trace, holds an assignment
// (an admin's, no expiry) or holds a lease taken from the pool (lapses after leaseMinutes). The
// server refuses a label from a reviewer who holds no slot when all of them are held, so two
// people never take the same slot. Without a policy row nothing is enforced (one reviewer, as before).

type Tx = Prisma.TransactionClient | ReturnType<typeof db>;

async function datasetOf(name: string): Promise<{ id: number; name: string }> {
  const dataset = await db().dataset.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!dataset) throw new AppError("not_found", `dataset "${name}" not found`, [{ path: "dataset", error: "no such dataset" }]);
  return dataset;
}

const policyDto = (dataset: string, row: { minReviews: number; blind: boolean; leaseMinutes: number } | null): ReviewPolicyDto => ({
  dataset, minReviews: row?.minReviews ?? 1, blind: row?.blind ?? false, leaseMinutes: row?.leaseMinutes ?? 30, enforced: row !== null,
});

export async function getReviewPolicy(datasetName: string): Promise<ReviewPolicyDto> {
  const dataset = await datasetOf(datasetName);
  return policyDto(dataset.name, await db().reviewPolicy.findUnique({ where: { datasetId: dataset.id } }));
}

export async function setReviewPolicy(datasetName: string, body: ReviewPolicyBody): Promise<ReviewPolicyDto> {
  const dataset = await datasetOf(datasetName);
  const row = await db().reviewPolicy.upsert({ where: { datasetId: dataset.id }, create: { datasetId: dataset.id, ...body }, update: body });
  return policyDto(dataset.name, row);
}

/** Users holding a slot of the trace now: labelled it (current human review) or hold a live lease. */
async function holdersOf(tx: Tx, traceId: number, now: Date): Promise<Set<number>> {
  const [reviews, leases] = await Promise.all([
    tx.review.findMany({ where: { traceId, current: true, source: "human" }, select: { userId: true }, distinct: ["userId"] }),
    tx.reviewLease.findMany({ where: { traceId, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }, select: { userId: true } }),
  ]);
  return new Set([...reviews.map((r) => r.userId), ...leases.map((l) => l.userId)]);
}

/**
 * Called by the review service inside a label's or decision's transaction (a statement program),
 * when the trace's dataset has a review policy: the reviewer must hold a slot of the trace or take
 * a free one (a lease). Refuses with a conflict when all are held. Returns the lease's write, for
 * the caller to send with its own writes (one `batch`).
 */
export function* holdSlot(trace: { id: number; datasetId: number }, policy: { minReviews: number; leaseMinutes: number }, userId: number, now: Date): Program<Statement> {
  const holders = new Set(
    (yield* all<{ userId: number }>(
      prepared(`SELECT "userId" FROM "Review" WHERE "traceId" = ? AND "current" = TRUE AND "source" = 'human'
       UNION SELECT "userId" FROM "ReviewLease" WHERE "traceId" = ? AND ("expiresAt" IS NULL OR "expiresAt" > ?)`),
      trace.id, trace.id, now,
    )).map((h) => Number(h.userId)),
  );
  const expiresAt = new Date(now.getTime() + policy.leaseMinutes * 60_000);
  // keep working → keep the lease (assignments have no expiry and stay so)
  if (holders.has(userId)) return { text: prepared(`UPDATE "ReviewLease" SET "expiresAt" = ? WHERE "traceId" = ? AND "userId" = ? AND "expiresAt" IS NOT NULL`), params: [expiresAt, trace.id, userId] };
  if (holders.size >= policy.minReviews) {
    throw new AppError("conflict", `all ${policy.minReviews} review slot${policy.minReviews === 1 ? "" : "s"} of trace ${trace.id} are taken by other reviewers; take another trace (the queue hands out free ones)`);
  }
  return {
    text: prepared(`INSERT INTO "ReviewLease" ("datasetId", "traceId", "userId", "expiresAt", "createdAt") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("traceId", "userId") DO UPDATE SET "expiresAt" = excluded."expiresAt"`),
    params: [trace.datasetId, trace.id, userId, expiresAt, now],
  };
}

/**
 * The next trace for this reviewer: one assigned to them they have not finished, else the first
 * trace (in id order) with a free slot they have not reviewed; the slot is leased to them.
 */
export async function claimNextTrace(datasetName: string, actor: Pick<Principal, "userId">, options: { exclude?: number } = {}): Promise<ClaimResult & { assigned: boolean }> {
  const dataset = await datasetOf(datasetName);
  const policy = await db().reviewPolicy.findUnique({ where: { datasetId: dataset.id } });
  const minReviews = policy?.minReviews ?? 1;
  const leaseMinutes = policy?.leaseMinutes ?? 30;
  return db().$transaction(async (tx) => {
    const now = new Date();
    const assigned = await tx.reviewLease.findFirst({
      where: { datasetId: dataset.id, userId: actor.userId, expiresAt: null, ...(options.exclude ? { traceId: { not: options.exclude } } : {}), trace: { reviews: { none: { userId: actor.userId, current: true, source: "human", stepId: null } } } },
      orderBy: { traceId: "asc" },
      select: { traceId: true },
    });
    if (assigned) return { traceId: assigned.traceId, reason: null, holders: (await holdersOf(tx, assigned.traceId, now)).size, minReviews, assigned: true };
    const held = await tx.reviewLease.findFirst({ where: { datasetId: dataset.id, userId: actor.userId, expiresAt: { gt: now }, ...(options.exclude ? { traceId: { not: options.exclude } } : {}), trace: { reviews: { none: { userId: actor.userId, current: true, source: "human", stepId: null } } } }, orderBy: { traceId: "asc" }, select: { traceId: true } });
    if (held) return { traceId: held.traceId, reason: null, holders: (await holdersOf(tx, held.traceId, now)).size, minReviews, assigned: false };
    // Slot holders per trace: reviewers with a current label and live leases (dates compared by Prisma).
    const [traces, reviewed, leases] = await Promise.all([
      tx.trace.findMany({ where: { datasetId: dataset.id }, select: { id: true }, orderBy: { id: "asc" } }),
      tx.$queryRawUnsafe<Array<{ traceId: number; userId: number }>>(
        dialectText(`SELECT r."traceId" AS traceId, r."userId" AS userId FROM "Review" r
         WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND r."current" = TRUE AND r."source" = 'human' GROUP BY r."traceId", r."userId"`),
        dataset.id,
      ),
      tx.reviewLease.findMany({ where: { datasetId: dataset.id, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] }, select: { traceId: true, userId: true } }),
    ]);
    const holders = new Map<number, Set<number>>();
    for (const h of [...reviewed, ...leases]) {
      const set = holders.get(Number(h.traceId)) ?? new Set<number>();
      set.add(Number(h.userId));
      holders.set(Number(h.traceId), set);
    }
    const free = traces.find((t) => {
      const set = holders.get(t.id);
      return t.id !== options.exclude && !set?.has(actor.userId) && (set?.size ?? 0) < minReviews;
    });
    if (!free) return { traceId: null, reason: `every trace of "${dataset.name}" has its ${minReviews} reviewer${minReviews === 1 ? "" : "s"} or was reviewed by you`, holders: 0, minReviews, assigned: false };
    const expiresAt = new Date(now.getTime() + leaseMinutes * 60_000);
    await tx.reviewLease.upsert({ where: { traceId_userId: { traceId: free.id, userId: actor.userId } }, create: { datasetId: dataset.id, traceId: free.id, userId: actor.userId, expiresAt }, update: { expiresAt } });
    return { traceId: free.id, reason: null, holders: (holders.get(free.id)?.size ?? 0) + 1, minReviews, assigned: false };
  });
}

/** Whether a dataset has a review policy (several reviewers): the review queue then hands out slots. */
export async function hasReviewPolicy(datasetId: number): Promise<boolean> {
  return (await db().reviewPolicy.count({ where: { datasetId } })) > 0;
}

/** An admin assigns traces to reviewers (round-robin), never beyond a trace's free slots. */
export async function assignTraces(datasetName: string, body: AssignBody, actor: Principal): Promise<{ assigned: Array<{ traceId: number; user: string }>; skipped: number }> {
  const dataset = await datasetOf(datasetName);
  const policy = await db().reviewPolicy.findUnique({ where: { datasetId: dataset.id } });
  const minReviews = policy?.minReviews ?? 1;
  const users = await Promise.all(
    body.users.map(async (ref, i) => {
      const user = await db().user.findFirst({ where: { OR: [{ name: ref }, { email: ref.toLowerCase() }], disabledAt: null }, select: { id: true, name: true, role: true } });
      if (!user) throw new AppError("invalid_input", `no user "${ref}"`, [{ path: `body.users.${i}`, error: "no such user" }]);
      if (user.role === "viewer") throw new AppError("invalid_input", `${user.name} is a viewer and cannot review`, [{ path: `body.users.${i}`, error: "viewers cannot review" }]);
      return user;
    }),
  );
  const traces = await db().trace.findMany({ where: { datasetId: dataset.id, ...(body.traceIds ? { id: { in: body.traceIds } } : {}) }, select: { id: true }, orderBy: { id: "asc" } });
  if (body.traceIds && traces.length !== new Set(body.traceIds).size) throw new AppError("invalid_input", `some traceIds are not traces of "${dataset.name}"`, [{ path: "body.traceIds", error: "not in this dataset" }]);
  const assigned: Array<{ traceId: number; user: string }> = [];
  let skipped = 0;
  let next = 0;
  await db().$transaction(async (tx) => {
    const now = new Date();
    for (const trace of traces) {
      const holders = await holdersOf(tx, trace.id, now);
      // every listed user gets the trace while slots last, starting from the round-robin position
      let given = 0;
      for (let k = 0; k < users.length && holders.size < minReviews; k++) {
        const user = users[(next + k) % users.length];
        if (holders.has(user.id)) continue;
        await tx.reviewLease.upsert({ where: { traceId_userId: { traceId: trace.id, userId: user.id } }, create: { datasetId: dataset.id, traceId: trace.id, userId: user.id, assignedById: actor.userId, expiresAt: null }, update: { assignedById: actor.userId, expiresAt: null } });
        holders.add(user.id);
        assigned.push({ traceId: trace.id, user: user.name });
        given++;
      }
      if (given === 0) skipped++;
      next = (next + Math.max(given, 1)) % users.length;
    }
  });
  return { assigned, skipped };
}

export async function reviewProgress(datasetName: string): Promise<ReviewProgress> {
  const dataset = await datasetOf(datasetName);
  const policy = policyDto(dataset.name, await db().reviewPolicy.findUnique({ where: { datasetId: dataset.id } }));
  const now = Date.now();
  const [traces, perTrace, leases, labels] = await Promise.all([
    db().trace.count({ where: { datasetId: dataset.id } }),
    sql().then((q) =>
      q.all<{ traceId: number; reviewers: number }>(
        `SELECT r."traceId" AS traceId, COUNT(DISTINCT r."userId") AS reviewers FROM "Review" r
         WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND r."current" = TRUE AND r."source" = 'human' GROUP BY r."traceId"`,
        [dataset.id],
      ),
    ),
    db().reviewLease.findMany({ where: { datasetId: dataset.id }, select: { expiresAt: true, user: { select: { name: true } } } }),
    sql().then((q) =>
      q.all<{ name: string; traces: number; labels: number }>(
        `SELECT u."name" AS name, COUNT(DISTINCT r."traceId") AS traces, COUNT(*) AS labels FROM "Review" r JOIN "User" u ON u."id" = r."userId"
         WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND r."current" = TRUE AND r."source" = 'human' GROUP BY u."name"`,
        [dataset.id],
      ),
    ),
  ]);
  const byName = new Map<string, ReviewProgress["reviewers"][number]>();
  const row = (name: string) => byName.get(name) ?? byName.set(name, { name, assigned: 0, leased: 0, reviewedTraces: 0, labels: 0 }).get(name)!;
  for (const lease of leases) {
    if (lease.expiresAt === null) row(lease.user.name).assigned++;
    else if (lease.expiresAt.getTime() > now) row(lease.user.name).leased++;
  }
  for (const l of labels) Object.assign(row(l.name), { reviewedTraces: Number(l.traces), labels: Number(l.labels) });
  return {
    policy,
    traces,
    covered: perTrace.filter((t) => Number(t.reviewers) >= policy.minReviews).length,
    reviewers: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Blind review: which reviewers' labels a user may see on a trace of this dataset (null = all). */
export async function visibleReviewers(traceId: number, viewer: Principal | null): Promise<number | null> {
  if (!viewer || viewer.role === "admin") return null;
  const trace = await db().trace.findUnique({ where: { id: traceId }, select: { dataset: { select: { policy: { select: { blind: true } } } } } });
  return trace?.dataset.policy?.blind ? viewer.userId : null;
}
