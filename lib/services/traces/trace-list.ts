import { db } from "@/lib/db";
import { prepared, sql, sqlDialect, type Param, type Sql } from "@/lib/db/sql";
import { claimNextTrace, hasReviewPolicy } from "@/lib/services/review/review-slots";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { QueuePick, TraceFacets, TraceFilters, TraceListResult, TraceSort } from "@/lib/schemas/trace-list";
import { listDatasetNames } from "@/lib/services/traces/datasets";
import { failingRuleNeedle, failingRulesList } from "@/lib/services/review/disagreements";
import { resolveUser } from "@/lib/services/review/users";
import { queueReason } from "@/lib/review/queue-reason";

// The trace list at 100k traces: every filter is an indexed column on Trace (denormalised from the
// latest verifier run and from reviews) or an EXISTS over an indexed table, and pages are keyset
// on id, so page N costs what page 1 costs.

/** Counts stop here: past it the list says "10,000+" instead of scanning every match. */
export const COUNT_CAP = 10_000;

async function datasetId(name: string | undefined): Promise<number | null | undefined> {
  if (!name) return undefined;
  const dataset = await db().dataset.findUnique({ where: { name }, select: { id: true } });
  return dataset?.id ?? null;
}

export function traceWhere(filters: Omit<TraceFilters, "cursor" | "limit" | "sort">, resolvedDatasetId?: number | null): Prisma.TraceWhereInput {
  const and: Prisma.TraceWhereInput[] = [];
  // datasetId = ? (not a join on the name) lets SQLite walk the (datasetId, id) index in id order
  if (resolvedDatasetId !== undefined) and.push({ datasetId: resolvedDatasetId ?? -1 });
  else if (filters.dataset) and.push({ dataset: { name: filters.dataset } });
  if (filters.method) and.push({ method: filters.method });
  if (filters.qmin !== undefined) and.push({ quality: { gte: filters.qmin } });
  if (filters.qmax !== undefined) and.push({ quality: { lte: filters.qmax } });
  if (filters.valid) and.push({ valid: filters.valid === "true" });
  if (filters.rule) and.push({ failingRules: { contains: failingRuleNeedle(filters.rule) } });
  if (filters.label) and.push({ labelState: filters.label });
  if (filters.decision) and.push({ decision: filters.decision === "none" ? null : filters.decision });
  if (filters.disagreement === "true") and.push({ disagreements: { gt: 0 } });
  if (filters.disagreement === "false") and.push({ disagreements: 0 });
  if (filters.unchecked === "true") and.push({ uncheckedSteps: { gt: 0 } });
  if (filters.unchecked === "false") and.push({ uncheckedSteps: 0 });
  if (filters.relation) and.push({ questionRef: { relations: { some: { relationClass: filters.relation } } } });
  if (filters.reviewer) and.push({ reviews: { some: { current: true, source: "human", user: { name: filters.reviewer } } } });
  if (filters.q) and.push({ OR: [{ question: { contains: filters.q } }, { externalId: { contains: filters.q } }] });
  return and.length ? { AND: and } : {};
}

/** `LIKE` pattern matching `text` anywhere, with the wildcards in it taken literally. */
const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The list's filters as a WHERE on `Trace t`: each an indexed column of Trace or an EXISTS over an indexed table. */
function traceWhereSql(filters: Omit<TraceFilters, "cursor" | "limit" | "sort">, resolvedDatasetId: number | null | undefined): { sql: string; params: Param[] } {
  const and: string[] = [];
  const params: Param[] = [];
  const postgres = sqlDialect() === "postgres";
  const add = (sql: string, ...values: Param[]) => {
    and.push(sql);
    params.push(...values);
  };
  if (resolvedDatasetId !== undefined) add(`t."datasetId" = ?`, resolvedDatasetId ?? -1);
  if (filters.method) add(`t."method" = ?`, filters.method);
  if (filters.qmin !== undefined) add(`t."quality" >= ?`, filters.qmin);
  if (filters.qmax !== undefined) add(`t."quality" <= ?`, filters.qmax);
  if (filters.valid) add(`t."valid" = ?`, filters.valid === "true" ? 1 : 0);
  if (filters.rule) add(postgres ? `strpos(t."failingRules", ?) > 0` : `instr(t."failingRules", ?) > 0`, failingRuleNeedle(filters.rule));
  if (filters.label) add(`t."labelState" = ?`, filters.label);
  if (filters.decision === "none") add(`t."decision" IS NULL`);
  else if (filters.decision) add(`t."decision" = ?`, filters.decision);
  if (filters.disagreement === "true") add(`t."disagreements" > 0`);
  if (filters.disagreement === "false") add(`t."disagreements" = 0`);
  if (filters.unchecked === "true") add(`t."uncheckedSteps" > 0`);
  if (filters.unchecked === "false") add(`t."uncheckedSteps" = 0`);
  if (filters.relation) add(`EXISTS (SELECT 1 FROM "QuestionRelation" r WHERE r."questionId" = t."questionId" AND r."relationClass" = ?)`, filters.relation);
  if (filters.reviewer) {
    add(`EXISTS (SELECT 1 FROM "Review" v JOIN "User" u ON u."id" = v."userId" WHERE v."traceId" = t."id" AND v."current" = TRUE AND v."source" = 'human' AND u."name" = ?)`, filters.reviewer);
  }
  // SQLite's LIKE ignores ASCII case; ILIKE is PostgreSQL's same match
  const like = postgres ? "ILIKE" : "LIKE";
  if (filters.q) add(`(t."question" ${like} ? ESCAPE '\\' OR t."externalId" ${like} ? ESCAPE '\\')`, containsPattern(filters.q), containsPattern(filters.q));
  return { sql: and.length ? `WHERE ${and.join(" AND ")}` : "", params };
}

interface ListRow {
  id: number; externalId: string; question: string; method: string; format: string; stepCount: number; finalAnswer: string | null; answer: string | null;
  quality: number | null; valid: number | null; labelState: string; decision: string | null; dataset: string; failingSteps: number | null; failingRules: string | null; disagreements: number; imageId: number | null;
}

/**
 * Keyset pages in the list's order. The cursor is the last trace id shown; for a quality order its
 * quality is looked up, and the next page starts after (quality, id). Unverified traces (no quality)
 * come last either way.
 */
async function pageAfterSql(q: Sql, sort: TraceSort, cursor: number | undefined): Promise<{ orderBy: string; sql: string; params: Param[] }> {
  if (sort === "id" || sort === "-id") {
    const asc = sort === "id";
    return { orderBy: `t."id" ${asc ? "ASC" : "DESC"}`, sql: cursor ? `t."id" ${asc ? ">" : "<"} ?` : "", params: cursor ? [cursor] : [] };
  }
  const asc = sort === "quality";
  const orderBy = `t."quality" IS NULL, t."quality" ${asc ? "ASC" : "DESC"}, t."id" ASC`;
  if (!cursor) return { orderBy, sql: "", params: [] };
  const last = await q.get<{ quality: number | null }>(`SELECT "quality" FROM "Trace" WHERE "id" = ?`, [cursor]);
  if (!last) return { orderBy, sql: `t."id" > ?`, params: [cursor] };
  if (last.quality === null) return { orderBy, sql: `(t."quality" IS NULL AND t."id" > ?)`, params: [cursor] };
  return {
    orderBy,
    sql: `(t."quality" ${asc ? ">" : "<"} ? OR (t."quality" = ? AND t."id" > ?) OR t."quality" IS NULL)`,
    params: [last.quality, last.quality, cursor],
  };
}

/**
 * PostgreSQL's quality page in parts that each follow an index in order: the rest of the cursor's
 * quality by id and the qualities past it (the (datasetId, quality, id) and (datasetId, quality
 * DESC, id) indexes), then, when the page is not full yet, the unscored traces by id. The same rows in the same
 * order as the single statement SQLite runs (`quality IS NULL, quality, id`), which PostgreSQL
 * could only answer by sorting every match.
 */
async function qualityRowsPostgres(q: Sql, select: string, where: { sql: string; params: Param[] }, asc: boolean, cursor: number | undefined, limit: number): Promise<ListRow[]> {
  const base = where.sql ? [where.sql.replace(/^WHERE /, "")] : [];
  const last = cursor ? await q.get<{ quality: number | null }>(`SELECT "quality" FROM "Trace" WHERE "id" = ?`, [cursor]) : undefined;
  const rows: ListRow[] = [];
  const scored = async (and: string[], params: Param[], orderBy: string) =>
    rows.push(...(await q.all<ListRow>(`${select} WHERE ${[...base, ...and].join(" AND ")} ORDER BY ${orderBy} LIMIT ?`, [...where.params, ...params, limit - rows.length])));
  const order = `t."quality" ${asc ? "ASC" : "DESC NULLS FIRST"}, t."id" ASC`;
  if (last && last.quality !== null) {
    // the rest of the cursor's quality by id, then the qualities past it: two index ranges
    await scored([`t."quality" = ?`, `t."id" > ?`], [last.quality, cursor!], `t."id" ASC`);
    if (rows.length < limit) await scored([`t."quality" ${asc ? ">" : "<"} ?`], [last.quality], order);
  } else if (!last) {
    // from the start; a cursor whose trace is gone keeps SQLite's statement's meaning (id > cursor)
    await scored(cursor ? [`t."quality" IS NOT NULL`, `t."id" > ?`] : [`t."quality" IS NOT NULL`], cursor ? [cursor] : [], order);
  }
  if (rows.length < limit) {
    const and = [...base, `t."quality" IS NULL`];
    const params = [...where.params];
    if (cursor && (!last || last.quality === null)) {
      and.push(`t."id" > ?`);
      params.push(cursor);
    }
    rows.push(...(await q.all<ListRow>(`${select} WHERE ${and.join(" AND ")} ORDER BY t."id" ASC LIMIT ?`, [...params, limit - rows.length])));
  }
  return rows;
}

const LIST_SELECT = `SELECT t."id", t."externalId", t."question", t."method", t."format", t."stepCount", t."finalAnswer", t."answer", t."quality", t."valid", t."labelState", t."decision",
            d."name" AS "dataset", t."failingSteps", t."failingRules", t."disagreements", t."imageId"
     FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId"`;

/**
 * One page of the list: two statements through the SQL seam — cached prepared statements on SQLite's
 * shared connection, the pool on PostgreSQL (the listed columns only — never `raw`, steps or args —
 * keyset on id or (quality, id), and a count that stops at COUNT_CAP), about a tenth of the CPU the same two reads cost through Prisma's query layer at 100k traces (bench/README.md, load).
 */
export async function listTraces(filters: TraceFilters): Promise<TraceListResult> {
  const where = traceWhereSql(filters, await datasetId(filters.dataset));
  const q = await sql();
  const sort = filters.sort ?? "id";
  let rows: ListRow[];
  if (q.dialect === "postgres" && (sort === "quality" || sort === "-quality")) {
    rows = await qualityRowsPostgres(q, LIST_SELECT, where, sort === "quality", filters.cursor, filters.limit + 1);
  } else {
    const keyset = await pageAfterSql(q, sort, filters.cursor);
    const conditions = [where.sql.replace(/^WHERE /, ""), keyset.sql].filter(Boolean);
    rows = await q.all<ListRow>(`${LIST_SELECT} ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""} ORDER BY ${keyset.orderBy} LIMIT ?`, [...where.params, ...keyset.params, filters.limit + 1]);
  }
  const counted = (await q.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Trace" t ${where.sql} LIMIT ${COUNT_CAP + 1}) AS "capped"`, where.params))!.n;
  const items = rows.slice(0, filters.limit);
  return {
    items: items.map(({ valid, failingRules, ...row }) => ({ ...row, valid: valid === null ? null : valid === 1, failingRules: failingRulesList(failingRules) })),
    nextCursor: rows.length > filters.limit ? items[items.length - 1].id : null,
    total: Math.min(counted, COUNT_CAP),
    totalCapped: counted > COUNT_CAP,
  };
}

export async function traceFacets(dataset?: string): Promise<TraceFacets> {
  const prisma = db();
  const inDataset = dataset ? { dataset: { name: dataset } } : {};
  const [datasets, methods, rules, relations, reviewers] = await Promise.all([
    listDatasetNames(),
    prisma.trace.findMany({ where: inDataset, distinct: ["method"], select: { method: true }, orderBy: { method: "asc" } }),
    prisma.verdict.findMany({ where: { outcome: "fail", ...(dataset ? { run: { dataset: { name: dataset } } } : {}) }, distinct: ["rule"], select: { rule: true }, orderBy: { rule: "asc" } }),
    prisma.questionRelation.findMany({ where: dataset ? { question: { dataset: { name: dataset } } } : {}, distinct: ["relationClass"], select: { relationClass: true }, orderBy: { relationClass: "asc" } }),
    prisma.user.findMany({ where: { reviews: { some: { source: "human", ...(dataset ? { trace: inDataset } : {}) } } }, select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return {
    datasets: datasets.map((d) => d.name),
    methods: methods.map((m) => m.method),
    rules: rules.map((r) => r.rule),
    relations: relations.map((r) => r.relationClass),
    reviewers: reviewers.map((r) => r.name),
  };
}

/** A reviewer's trace-level decision (source "human"): imported verdicts are not review. */
const HUMAN_DECISION = `r."stepId" IS NULL AND r."current" = TRUE AND r."source" = 'human'`;

/**
 * Open to this reviewer: not complete (Trace.labelState counts human labels only), no reviewer's
 * decision, no current label of theirs — one NOT EXISTS over the (traceId, current) index of Review.
 */
const OPEN = `t."labelState" <> 'complete' AND NOT EXISTS (SELECT 1 FROM "Review" r WHERE r."traceId" = t."id" AND r."current" = TRUE AND r."source" = 'human' AND (r."stepId" IS NULL OR r."userId" = ?))`;

interface Picked { id: number; quality: number | null; disagreements: number; uncheckedSteps: number | null }

/**
 * The most useful trace to review next: verifier–human disagreements first, then traces whose
 * quality sits nearest the verifier threshold (the verdicts least sure of themselves), drawn from
 * the relation class this reviewer has covered least so the queue stays stratified.
 *
 * Only reviewers' own work counts as review: a trace is open until a reviewer decides it or labels
 * every step (Trace.labelState counts human labels only), and never offered to a reviewer who has
 * labelled it already. Imported labels and verdicts (Trace.decision mirrors VisProg's too) do not
 * close a trace. The reason is worded by lib/review/queue-reason.ts, also when nothing is left.
 *
 * A statement program on the SQL seam (prepared statements on PostgreSQL, reads in parallel): the
 * progress total is the dataset's TraceCount row (kept by triggers) rather than a count over every
 * trace; reviewed and yours are counted from human work (complete traces by their index, decisions
 * and your labels from Review), and each pick follows an index in its order (docs/postgres.md).
 */
export async function nextInQueue(options: { dataset?: string; after?: number; user?: string; prefer?: "unchecked" }): Promise<QueuePick> {
  const [user, scopeId, q] = await Promise.all([resolveUser(options.user), datasetId(options.dataset), sql()]);
  // the dataset's traces (`t."datasetId" = ?`, an unknown dataset none), or every trace
  const scoped = scopeId !== undefined;
  const scope = (alias: string) => (scoped ? `${alias}."datasetId" = ? AND ` : "");
  const scopeParams: Param[] = scoped ? [scopeId ?? -1] : [];
  const openParams: Param[] = [...scopeParams, user.id, ...(options.after ? [options.after] : [])];
  const open = `${scope("t")}${OPEN}${options.after ? ` AND t."id" <> ?` : ""}`;
  const PICKED = `t."id" AS id, t."quality" AS quality, t."disagreements" AS disagreements, t."uncheckedSteps" AS uncheckedSteps`;
  // Over all datasets, each dataset's first in the order (its (datasetId, …) index) and the first of
  // those: the same trace as one walk of the whole table in that order (ids break ties), which no
  // index serves without datasetId. The datasets are TraceCount's rows (kept by triggers). PostgreSQL
  // by LATERAL; SQLite (no LATERAL) by a correlated subquery per dataset naming its first trace.
  const pick = (and: string, orderBy: string, params: Param[] = []) =>
    scoped
      ? q.get<Picked>(prepared(`SELECT ${PICKED} FROM "Trace" t WHERE ${open}${and} ORDER BY ${orderBy} LIMIT 1`), [...openParams, ...params])
      : q.dialect === "postgres"
        ? q.get<Picked>(
            prepared(`SELECT p.* FROM "TraceCount" c CROSS JOIN LATERAL (SELECT ${PICKED} FROM "Trace" t WHERE t."datasetId" = c."datasetId" AND ${open}${and} ORDER BY ${orderBy} LIMIT 1) p ORDER BY ${orderBy.replace(/\bt\./g, "p.")} LIMIT 1`),
            [...openParams, ...params],
          )
        : q.get<Picked>(
            prepared(`SELECT ${PICKED} FROM "Trace" t WHERE t."id" IN (SELECT (SELECT t."id" FROM "Trace" t WHERE t."datasetId" = c."datasetId" AND ${open}${and} ORDER BY ${orderBy} LIMIT 1) FROM "TraceCount" c) ORDER BY ${orderBy} LIMIT 1`),
            [...openParams, ...params],
          );

  const policy = typeof scopeId === "number" && options.dataset ? hasReviewPolicy(scopeId) : Promise.resolve(false);
  const [total, reviewed, byYou, hasPolicy] = await Promise.all([
    q.get<{ n: number }>(prepared(`SELECT COALESCE(SUM("traces"), 0) AS n FROM "TraceCount" t${scoped ? ` WHERE t."datasetId" = ?` : ""}`), scopeParams),
    // reviewed = complete (one index range) + decided by a reviewer but not complete (from Review)
    q.get<{ n: number }>(
      prepared(`SELECT (SELECT COUNT(*) FROM "Trace" t WHERE ${scope("t")}t."labelState" = 'complete')
              + (SELECT COUNT(DISTINCT r."traceId") FROM "Review" r JOIN "Trace" t ON t."id" = r."traceId" WHERE ${scope("t")}${HUMAN_DECISION} AND t."labelState" <> 'complete') AS n`),
      [...scopeParams, ...scopeParams],
    ),
    q.get<{ n: number }>(
      prepared(`SELECT COUNT(DISTINCT r."traceId") AS n FROM "Review" r${scoped ? ` JOIN "Trace" t ON t."id" = r."traceId"` : ""} WHERE ${scope("t")}r."userId" = ? AND r."source" = 'human'`),
      [...scopeParams, user.id],
    ),
    policy,
  ]);
  const progress = { reviewed: reviewed!.n, total: total!.n, byYou: byYou!.n };

  // Several reviewers per trace (docs/design.md §13): with a review policy the queue hands out
  // review slots — the reviewer's assignments first, then traces with a free slot, leased to them.
  if (hasPolicy && options.dataset) {
    const claim = await claimNextTrace(options.dataset, { userId: user.id }, { exclude: options.after });
    if (claim.traceId !== null) {
      const reason = claim.assigned ? `assigned to you (${claim.holders} of ${claim.minReviews} reviewers)` : `a free review slot (${claim.holders} of ${claim.minReviews} reviewers)`;
      return { traceId: claim.traceId, reason, progress };
    }
    return { traceId: null, reason: claim.reason, progress };
  }

  // the disagreement pick, and what the threshold pick needs, read together
  const [disagreement, threshold, relationClass] = await Promise.all([
    pick(` AND t."disagreements" > 0`, `t."disagreements" DESC, t."id" ASC`),
    currentThreshold(),
    leastCoveredRelation(q, user.id, scopeId),
  ]);
  if (disagreement) return { traceId: disagreement.id, reason: queueReason({ kind: "disagreement", steps: disagreement.disagreements }), progress };

  if (options.prefer === "unchecked") {
    const unchecked = await pick(` AND t."uncheckedSteps" > 0`, `t."uncheckedSteps" DESC, t."id" ASC`);
    if (unchecked) return { traceId: unchecked.id, reason: queueReason({ kind: "unchecked", steps: unchecked.uncheckedSteps ?? 0 }), progress };
  }

  const IN_CLASS = ` AND EXISTS (SELECT 1 FROM "QuestionRelation" qr WHERE qr."questionId" = t."questionId" AND qr."relationClass" = ?)`;
  for (const inClass of relationClass ? [relationClass, null] : [null]) {
    const near = await nearThreshold((and, orderBy, params = []) => pick(`${inClass ? IN_CLASS : ""}${and}`, orderBy, [...(inClass ? [inClass] : []), ...params]), threshold);
    if (near) {
      if (near.quality !== null) return { traceId: near.id, reason: queueReason({ kind: "threshold", quality: near.quality, threshold, relationClass: inClass }), progress };
      const verified = await q.get(prepared(`SELECT 1 AS found FROM "Trace" t WHERE ${scope("t")}t."quality" IS NOT NULL LIMIT 1`), scopeParams);
      return { traceId: near.id, reason: queueReason({ kind: "unverified", datasetVerified: verified !== undefined, relationClass: inClass }), progress };
    }
  }
  const onlyCurrentLeft = options.after
    ? (await q.get(prepared(`SELECT 1 AS found FROM "Trace" t WHERE ${scope("t")}${OPEN} AND t."id" = ?`), [...scopeParams, user.id, options.after])) !== undefined
    : false;
  return { traceId: null, reason: queueReason({ kind: "empty", total: progress.total, reviewed: progress.reviewed, byYou: progress.byYou, onlyCurrentLeft }), progress };
}

async function currentThreshold(): Promise<number> {
  // the default config's threshold (chosen explicitly; v1 when none was chosen)
  const config =
    (await db().verifierConfig.findFirst({ where: { defaultOf: { isNot: null } }, select: { threshold: true } })) ??
    (await db().verifierConfig.findFirst({ orderBy: { version: "asc" }, select: { threshold: true } }));
  return config?.threshold ?? 0.5;
}

type Pick = (and: string, orderBy: string, params?: Param[]) => Promise<Picked | undefined>;

async function nearThreshold(pick: Pick, threshold: number): Promise<Picked | null> {
  // The closest traces on each side of the threshold, via the (datasetId, quality, id) and
  // (datasetId, quality DESC, id) indexes.
  const [above, below] = await Promise.all([
    pick(` AND t."quality" >= ?`, `t."quality" ASC, t."id" ASC`, [threshold]),
    pick(` AND t."quality" < ?`, `t."quality" DESC, t."id" ASC`, [threshold]),
  ]);
  const candidates = [above, below].filter((c): c is Picked & { quality: number } => c !== undefined && c.quality !== null);
  if (candidates.length) return candidates.sort((a, b) => Math.abs(a.quality - threshold) - Math.abs(b.quality - threshold) || a.id - b.id)[0];
  return (await pick("", `t."id" ASC`)) ?? null;
}

async function leastCoveredRelation(q: Sql, userId: number, scopeId: number | null | undefined): Promise<string | null> {
  const scoped = scopeId !== undefined;
  // the dataset's classes: a skip scan of ("datasetId", "relationClass") (QuestionRelation carries its
  // question's dataset, kept by triggers), one index probe per class however many questions there are
  const inScope = scoped ? `qr."datasetId" = ? AND ` : "";
  const [classes, covered] = await Promise.all([
    q.all<{ relationClass: string }>(
      prepared(`WITH RECURSIVE classes(c) AS (
         SELECT (SELECT MIN(qr."relationClass") FROM "QuestionRelation" qr${scoped ? ` WHERE qr."datasetId" = ?` : ""})
         UNION ALL
         SELECT (SELECT MIN(qr."relationClass") FROM "QuestionRelation" qr WHERE ${inScope}qr."relationClass" > classes.c) FROM classes WHERE classes.c IS NOT NULL
       ) SELECT c AS relationClass FROM classes WHERE c IS NOT NULL`),
      scoped ? [scopeId ?? -1, scopeId ?? -1] : [],
    ),
    // traces this reviewer touched, per relation class of their question (one per relation), from the reviewer's own reviews
    q.all<{ relationClass: string; n: number }>(
      prepared(`SELECT qr."relationClass" AS relationClass, COUNT(*) AS n
       FROM (SELECT DISTINCT r."traceId" FROM "Review" r WHERE r."userId" = ? AND r."source" = 'human') mine
       JOIN "Trace" t ON t."id" = mine."traceId" JOIN "QuestionRelation" qr ON qr."questionId" = t."questionId"${scoped ? ` WHERE t."datasetId" = ?` : ""}
       GROUP BY qr."relationClass"`),
      scoped ? [userId, scopeId ?? -1] : [userId],
    ),
  ]);
  if (classes.length === 0) return null;
  const reviewed = new Map(covered.map((c) => [c.relationClass, c.n]));
  return classes
    .map((c) => ({ relationClass: c.relationClass, reviewed: reviewed.get(c.relationClass) ?? 0 }))
    .sort((a, b) => a.reviewed - b.reviewed || a.relationClass.localeCompare(b.relationClass))[0].relationClass;
}
