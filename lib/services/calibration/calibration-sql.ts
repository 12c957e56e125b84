import type { Dialect } from "@/lib/db";
import { outcomeOf } from "@/lib/calibration/labels";
import { all, get, many, run, type Param, type Program } from "@/lib/db/sql";
import { stepLabelUser } from "@/lib/formats/step-labels";

// Calibration's SQL: every aggregation over Verdict ⋈ Review runs here as GROUP BY and returns
// small grouped rows, never one row per verdict.
//
// A run's verdicts are written once and change only when a reviewer's edit re-verifies one trace
// (lib/services/verify/verify.ts reverifyTrace replaces that trace's verdicts: new ids). So they are folded
// once per run (prisma/schema.prisma CalibrationRun / CalibrationProfile / CalibrationStep): one
// GROUP BY pass over the run's verdicts in (runId, stepId) index order gives every step its masks
// of failing and passing rules; steps with the same masks, kind, tool and relation classes share a
// profile. Agreement then joins current labels to (step → profile) and groups by small integers.
// The cache is checked on every request against the run's last verdict id and the count and last
// id of its dataset's traces and relation tags (index seeks, see fingerprint), and rebuilt when they differ.
//
// Both dialects (docs/design.md §14): the methods are statement programs (lib/db/sql.ts). What
// differs is chosen by `dialect`: group_concat vs string_agg, SQLite's INDEXED BY hint, and text
// ordering pinned to byte order (COLLATE "C" on PostgreSQL = SQLite's BINARY) so profile numbers
// and every figure come out the same on both. SUM(DISTINCT bit) as a bitwise OR works on both.

export interface LabelFilter {
  /** Only this reviewer's current labels (by user name); default: every reviewer. */
  reviewer?: string;
  /**
   * all = every label, an adjudicated step's gold label instead of its reviewers'; gold = the same
   * over labels made in Stepwise only; human = Stepwise reviewers' labels, gold ignored; external =
   * imported (external:prm800k, external:visprog…). See docs/design.md §13.
   */
  source: "all" | "gold" | "human" | "external";
}

export interface ProfileRow {
  profile: number;
  failMask: number;
  passMask: number;
  outcome: "pass" | "fail" | "skip";
  kind: string;
  tool: string | null;
  classes: string | null;
  steps: number;
}

/** Labelled steps of one (votes, profile); profile null = the run has no verdict for the step. */
export interface VotesProfileRow {
  votes: number;
  profile: number | null;
  n: number;
}

export interface TraceGroupRow {
  votes: number;
  quality: number;
  valid: number;
  n: number;
}

/** A dataset's labels folded against one run (CalibrationGroups): what the report reads. */
export interface LabelGroups {
  steps: VotesProfileRow[];
  traces: TraceGroupRow[];
  /** Users with a current label in the dataset, by id (names are looked up when read: users can be renamed). */
  reviewers: number[];
  /** Traces of the dataset whose question carries a relation class. */
  tagged: number;
}

/** A stored fold of a run's labels under one filter key, whatever its stamp. */
export interface StoredFold extends LabelGroups {
  stamp: string;
  /** The label clock the fold is exact at; -1: not exact (a label changed while it was folded). */
  tick: number;
  parts: TracePartsRow[] | null;
}

/** The changed steps' and traces' share of the fold, before (`past`) or after (`now`) the logged changes. */
export interface ChangedGroups {
  steps: VotesProfileRow[];
  traces: TraceGroupRow[];
  parts: TracePartsRow[];
}

/** What the stored folds' stamps are made of: the run cache's part, and the label clock. */
export interface GroupsStamp {
  /** generation, last verdict id and tags fingerprint of the served run cache */
  base: string;
  tick: number;
}

/** The stamp string stored with a fold. */
export const stampOf = (base: string, tick: number) => `${base}@${tick}`;

export interface TracePartsRow {
  votes: number;
  parts: string | null;
  n: number;
}

export interface FlipGroupRow {
  votes: number;
  before: number | null;
  after: number | null;
  n: number;
}

export interface FlipRow {
  stepId: number;
  traceId: number;
  externalId: string;
  stepIndex: number;
  votes: number;
  before: number | null;
  after: number | null;
}

export interface FailureExampleRow {
  verdictId: number;
  traceId: number;
  externalId: string;
  stepIndex: number;
  profile: number;
  rule: string;
  message: string | null;
  /** Packed votes; null when nobody labelled the step. */
  votes: number | null;
}

/** Votes travel packed in one integer: accept + 2²⁰·reject + 2⁴⁰·neutral (up to 2²⁰ − 1 reviewers each). */
const REJECT_UNIT = 1048576;
const NEUTRAL_UNIT = 1099511627776;
const PACKED_VOTE = `CASE r."label" WHEN 'accept' THEN 1 WHEN 'reject' THEN ${REJECT_UNIT} ELSE ${NEUTRAL_UNIT} END`;

export function unpackVotes(packed: number): { accept: number; reject: number; neutral: number } {
  return { accept: packed % REJECT_UNIT, reject: Math.floor(packed / REJECT_UNIT) % REJECT_UNIT, neutral: Math.floor(packed / NEUTRAL_UNIT) };
}

/** A tool_result step names no tool; it answers the call with the same callId in its trace (usually the step before). */
const TOOL_OF_STEP = `COALESCE(s."tool",
  (SELECT c."tool" FROM "Step" c WHERE c."traceId" = s."traceId" AND c."index" = s."index" - 1 AND c."kind" = 'tool_call' AND c."callId" = s."callId"),
  (SELECT c."tool" FROM "Step" c WHERE c."traceId" = s."traceId" AND c."kind" = 'tool_call' AND c."callId" = s."callId" LIMIT 1))`;

/** Relation classes of a question's tags, as an aggregate over QuestionRelation qr: sorted in byte order, unique, comma-joined. */
const classesAgg = (dialect: Dialect) =>
  dialect === "postgres"
    ? `string_agg(DISTINCT qr."relationClass" COLLATE "C", ',' ORDER BY qr."relationClass" COLLATE "C")`
    : `group_concat(DISTINCT qr."relationClass" ORDER BY qr."relationClass")`;

/** The same for a step's question (correlated on t."questionId"); '' for none. */
const classesOf = (dialect: Dialect) => `COALESCE((SELECT ${classesAgg(dialect)} FROM "QuestionRelation" qr WHERE qr."questionId" = t."questionId"), '')`;

/** SQLite's index hint for the label scans (PostgreSQL's planner takes no hints). */
const reviewByStep = (dialect: Dialect) => (dialect === "postgres" ? `"Review" r` : `"Review" r INDEXED BY "Review_stepId_current_idx"`);

/** A text column in byte order (SQLite compares text as BINARY; PostgreSQL by the database's collation otherwise). */
const bytewise = (dialect: Dialect, column: string) => (dialect === "postgres" ? `${column} COLLATE "C"` : column);

/**
 * A reviewer's label on a step an adjudicator decided no longer counts: the gold label does. In
 * `labels`: "Review" (a seek on Review(stepId, current) per label) or a relation of its shape with
 * no index (the labels rebuilt as they were, changedGroups): its gold-labelled steps as one set.
 */
const notOverruled = (labels: string) =>
  labels === `"Review"`
    ? `NOT EXISTS (SELECT 1 FROM "Review" g WHERE g."stepId" = r."stepId" AND g."current" = TRUE AND g."source" = 'gold')`
    : `(r."stepId" IS NULL OR r."stepId" NOT IN (SELECT g."stepId" FROM ${labels} g WHERE g."stepId" IS NOT NULL AND g."current" = TRUE AND g."source" = 'gold'))`;

function labelWhere(filter: LabelFilter, level: "step" | "trace", labels = `"Review"`): { sql: string; params: Param[] } {
  const NOT_OVERRULED = notOverruled(labels);
  const parts = [`r."current" = TRUE`];
  if (level === "step") parts.push(`r."stepId" IS NOT NULL`, `r."afterError" = FALSE`, `r."label" IN ('accept', 'reject', 'neutral')`);
  else parts.push(`r."stepId" IS NULL`, `r."label" IN ('accept', 'reject')`);
  const params: Param[] = [];
  if (filter.reviewer !== undefined || filter.source === "human") parts.push(`r."source" <> 'gold'`);
  else if (filter.source === "all") parts.push(`(r."source" = 'gold' OR ${NOT_OVERRULED})`);
  else if (filter.source === "gold") parts.push(`(r."source" = 'gold' OR (r."source" = 'human' AND ${NOT_OVERRULED}))`);
  if (filter.source === "human") parts.push(`r."source" = 'human'`);
  if (filter.source === "external") parts.push(`r."source" LIKE 'external:%'`);
  if (filter.reviewer !== undefined) {
    // a user by name; an imported step-labels reviewer also by the name in the file (its user is "step-labels:<name>") when no user has that name
    parts.push(`r."userId" = COALESCE((SELECT "id" FROM "User" WHERE "name" = ?), (SELECT "id" FROM "User" WHERE "name" = ?))`);
    params.push(filter.reviewer, stepLabelUser(filter.reviewer));
  }
  return { sql: parts.join(" AND "), params };
}

/**
 * Current step labels of a dataset, one row per step with its packed votes (each reviewer's current
 * label counts once). Read in Review(stepId, current) order so the GROUP BY needs no sort.
 */
function stepLabels(filter: LabelFilter, dialect: Dialect): { sql: string; params: (datasetId: number) => Param[] } {
  const where = labelWhere(filter, "step");
  return {
    sql: `labels AS MATERIALIZED (
      SELECT r."stepId" AS stepId, SUM(${PACKED_VOTE}) AS votes
      FROM ${reviewByStep(dialect)}
      WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND ${where.sql}
      GROUP BY r."stepId")`,
    params: (datasetId) => [datasetId, ...where.params],
  };
}

/** Trace decisions of a dataset, one row per trace with packed votes. */
function traceLabels(filter: LabelFilter): { sql: string; params: (datasetId: number) => Param[] } {
  const where = labelWhere(filter, "trace");
  return {
    sql: `labels AS (
      SELECT r."traceId" AS traceId, SUM(${PACKED_VOTE}) AS votes
      FROM "Review" r WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND ${where.sql}
      GROUP BY r."traceId")`,
    params: (datasetId) => [datasetId, ...where.params],
  };
}

/** The same packed votes for one step (correlated), for lists. */
function votesOfStep(filter: LabelFilter, stepColumn: string): { sql: string; params: Param[] } {
  const where = labelWhere(filter, "step");
  return { sql: `(SELECT SUM(${PACKED_VOTE}) FROM "Review" r WHERE r."stepId" = ${stepColumn} AND ${where.sql})`, params: where.params };
}

/** SUM(DISTINCT bit) over a step's verdicts of one outcome = the OR of the rules' bits. */
function maskOf(rules: readonly string[], outcome: "fail" | "pass"): { sql: string; params: Param[] } {
  if (rules.length === 0) return { sql: "0", params: [] };
  const cases = rules.map(() => "WHEN ? THEN CAST(? AS BIGINT)").join(" ");
  return {
    sql: `COALESCE(SUM(DISTINCT CASE WHEN v."outcome" = '${outcome}' THEN (CASE v."rule" ${cases} END) END), 0)`,
    params: rules.flatMap((rule, i) => [rule, 2 ** i]),
  };
}

/** Which of a run's steps `stepKeys` covers: one trace, or the step id range (after, upTo] (upTo null: to the end). */
type StepScope = { traceId: number } | { after: number; upTo: number | null };

/**
 * One row per step with verdicts in a run (in one trace of it, or in a step id range): its
 * fail/pass masks in `rules`' bit order, kind, tool and relation classes ('' for none, so keys
 * compare with =).
 */
function stepKeys(rules: readonly string[], runId: number, dialect: Dialect, scope: StepScope): { sql: string; params: Param[] } {
  const fail = maskOf(rules, "fail");
  const pass = maskOf(rules, "pass");
  const byTrace = "traceId" in scope;
  // a range also bounds the Step side, so the join reads only the batch's steps by primary key
  const range = (column: string) => (byTrace ? "" : ` AND ${column} > ?${scope.upTo === null ? "" : ` AND ${column} <= ?`}`);
  const rangeParams: Param[] = byTrace ? [] : scope.upTo === null ? [scope.after] : [scope.after, scope.upTo];
  return {
    // a batch leaves the classes to one grouped pass over its questions (see buildBatch): a
    // correlated aggregate per step cost half a batch on PostgreSQL
    sql: `SELECT m.stepId AS stepId, m.failMask AS failMask, m.passMask AS passMask, s."kind" AS kind,
         COALESCE(CASE WHEN s."tool" IS NOT NULL OR s."callId" IS NULL THEN s."tool" ELSE ${TOOL_OF_STEP} END, '') AS tool,
         ${byTrace ? classesOf(dialect) : "''"} AS classes, t."questionId" AS questionId
       FROM (SELECT v."stepId" AS stepId, MIN(v."traceId") AS traceId, ${fail.sql} AS failMask, ${pass.sql} AS passMask FROM "Verdict" v
             WHERE v."runId" = ?${byTrace ? ` AND v."traceId" = ?` : range(`v."stepId"`)} GROUP BY v."stepId") m
       JOIN "Step" s ON s."id" = m.stepId${range(`s."id"`)}
       JOIN "Trace" t ON t."id" = m.traceId`,
    params: [...fail.params, ...pass.params, runId, ...(byTrace ? [scope.traceId] : rangeParams), ...rangeParams],
  };
}

/** A run's served cache: the generation of its profile and step rows readers use. */
export interface RunCache {
  runId: number;
  generation: number;
}

/** A build in progress: the generation it writes, the rule order and the fingerprint it stands for. */
export interface BuildStart extends RunCache {
  rules: string[];
  fingerprint: { maxVerdictId: number; tags: string };
  /** The run's verdicts when the build started (recorded, not compared). */
  verdicts: number;
}

interface ProfileKey {
  failMask: number;
  passMask: number;
  kind: string;
  tool: string;
  classes: string;
}

/** A build's profile numbers, kept across its batches: a key gets the next number when first seen. */
export class ProfileNumbering {
  private readonly byKey = new Map<string, ProfileKey & { profile: number; steps: number }>();

  add(key: ProfileKey, steps: number): number {
    const id = JSON.stringify([key.failMask, key.passMask, key.kind, key.tool, key.classes]);
    let entry = this.byKey.get(id);
    if (!entry) {
      entry = { failMask: key.failMask, passMask: key.passMask, kind: key.kind, tool: key.tool, classes: key.classes, profile: this.byKey.size + 1, steps: 0 };
      this.byKey.set(id, entry);
    }
    entry.steps += steps;
    return entry.profile;
  }

  rows(): Array<ProfileKey & { profile: number; steps: number }> {
    return [...this.byKey.values()];
  }
}

/**
 * Grouped rows in one order on both dialects (GROUP BY output order is the planner's): sums over
 * them in floating point (the fit's regression, AUC) then come out bit for bit the same. Nulls
 * first, numbers by value, text by UTF-16 code units.
 */
function canonical<T extends object>(rows: T[], keys: ReadonlyArray<keyof T>): T[] {
  const compare = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  return rows.sort((x, y) => {
    for (const key of keys) {
      const c = compare(x[key], y[key]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * Grouped rows `stored` with the rows `leaving` taken out and `joining` added, by the `keys`
 * columns and the count `n`; groups left at zero dropped, in canonical order. Null when a group
 * would go below zero (`leaving` counted what `stored` did not).
 */
function moved<T extends { n: number }>(stored: readonly T[], leaving: readonly T[], joining: readonly T[], keys: ReadonlyArray<keyof T>): T[] | null {
  const id = (row: T) => JSON.stringify(keys.map((key) => row[key]));
  const groups = new Map<string, T>(stored.map((row) => [id(row), { ...row }]));
  for (const [rows, sign] of [[leaving, -1], [joining, 1]] as const) {
    for (const row of rows) {
      const group = groups.get(id(row)) ?? { ...row, n: 0 };
      group.n += sign * row.n;
      groups.set(id(row), group);
    }
  }
  const rows = [...groups.values()];
  if (rows.some((row) => row.n < 0)) return null;
  return canonical(rows.filter((row) => row.n > 0), keys);
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/** Calibration's statements as programs: `yield*` them inside readProgram / writeProgram (lib/db/sql.ts). */
export class CalibrationStore {
  constructor(private readonly dialect: Dialect) {}

  private *all<T>(sql: string, params: Param[] = []): Program<T[]> {
    return yield* all<T>(sql, ...params);
  }

  private *get<T>(sql: string, params: Param[] = []): Program<T | undefined> {
    return yield* get<T>(sql, ...params);
  }

  private *run(sql: string, params: Param[] = []): Program<void> {
    yield* run(sql, ...params);
  }

  /**
   * Distinct rules with verdicts in a run, by a loose index scan over Verdict(runId, rule, outcome):
   * one index seek per rule instead of reading every verdict.
   */
  *runRules(runId: number): Program<string[]> {
    return (yield* this.all<{ rule: string }>(
      `WITH RECURSIVE r(rule) AS (
         SELECT (SELECT MIN("rule") FROM "Verdict" WHERE "runId" = ?)
         UNION ALL
         SELECT (SELECT MIN("rule") FROM "Verdict" WHERE "runId" = ? AND "rule" > r.rule) FROM r WHERE r.rule IS NOT NULL
       ) SELECT rule FROM r WHERE rule IS NOT NULL`,
      [runId, runId],
    )).map((r) => r.rule);
  }

  /**
   * What the cache stands for, cheap enough to check on every request at 10M verdicts: the run's
   * last verdict id (an index seek on Verdict(runId, id): a re-verified trace's verdicts get new
   * ids), the number and last id of its dataset's traces (deleted traces take their verdicts with
   * them) and of its dataset's relation tags. Counting the run's verdicts, as before, read every one
   * of them on every request.
   */
  private *fingerprint(runId: number): Program<{ maxVerdictId: number; tags: string }> {
    const v = (yield* this.get<{ last: number }>(`SELECT COALESCE(MAX("id"), 0) AS last FROM "Verdict" WHERE "runId" = ?`, [runId]))!;
    // the run's dataset only: importing or tagging another dataset leaves this cache alone
    const t = (yield* this.get<{ n: number; last: number; traces: number; lastTrace: number }>(
      `SELECT COUNT(*) AS n, COALESCE(MAX(qr."id"), 0) AS last,
         (SELECT COUNT(*) FROM "Trace" WHERE "datasetId" = d.id) AS traces,
         (SELECT COALESCE(MAX("id"), 0) FROM "Trace" WHERE "datasetId" = d.id) AS lastTrace
       FROM (SELECT "datasetId" AS id FROM "VerifierRun" WHERE "id" = ?) d
       LEFT JOIN "Question" q ON q."datasetId" = d.id
       LEFT JOIN "QuestionRelation" qr ON qr."questionId" = q."id"
       GROUP BY d.id`,
      [runId],
    ));
    return { maxVerdictId: v.last, tags: t ? `tags ${t.n}:${t.last} traces ${t.traces}:${t.lastTrace}` : "" };
  }

  /** The served cache of a run: its rule (bit) order, generation, and whether it is current. */
  *cached(runId: number): Program<{ rules: string[]; generation: number; current: boolean } | null> {
    const cached = yield* this.get<{ rules: string; maxVerdictId: number; tags: string; generation: number }>(
      `SELECT "rules", "maxVerdictId", "tags", "generation" FROM "CalibrationRun" WHERE "runId" = ?`,
      [runId],
    );
    if (!cached) return null;
    const now = yield* this.fingerprint(runId);
    const current = cached.maxVerdictId === now.maxVerdictId && cached.tags === now.tags;
    return { rules: JSON.parse(cached.rules) as string[], generation: cached.generation, current };
  }

  /** The rule list (bit order) of a run's cache when it is current; null when (re)building is due. */
  *cachedRules(runId: number): Program<string[] | null> {
    const cached = yield* this.cached(runId);
    return cached?.current ? cached.rules : null;
  }

  /**
   * Starts a (re)build of a run's cache (one short transaction): the rule order, the fingerprint the
   * build stands for, and a new generation claimed with a marker row (profile 0) — null when another
   * process claimed the same generation first (call again). Readers keep the served generation.
   */
  *beginBuild(runId: number, order: (found: string[]) => string[]): Program<BuildStart | null> {
    const rules = order(yield* this.runRules(runId));
    const fingerprint = yield* this.fingerprint(runId);
    const verdicts = (yield* this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "Verdict" WHERE "runId" = ?`, [runId]))!.n;
    const top = (yield* this.get<{ g: number }>(
      `SELECT MAX(g) AS g FROM (
         SELECT COALESCE(MAX("generation"), 0) AS g FROM "CalibrationRun" WHERE "runId" = ?
         UNION ALL SELECT COALESCE(MAX("generation"), 0) AS g FROM "CalibrationProfile" WHERE "runId" = ?
         UNION ALL SELECT COALESCE(MAX("generation"), 0) AS g FROM "CalibrationStep" WHERE "runId" = ?) x`,
      [runId, runId, runId],
    ))!.g;
    const generation = Number(top) + 1;
    const claimed = yield* run(
      `INSERT INTO "CalibrationProfile" ("runId", "generation", "profile", "failMask", "passMask", "outcome", "kind", "tool", "classes", "steps")
       VALUES (?, ?, 0, 0, 0, 'skip', '', NULL, NULL, 0) ON CONFLICT DO NOTHING`,
      runId, generation,
    );
    if (claimed.changes === 0) return null;
    return { runId, generation, rules, fingerprint, verdicts };
  }

  /**
   * One bounded batch of a build (one transaction): the steps whose verdicts come next in
   * Verdict(runId, stepId) order, up to about `verdicts` verdicts (a step's verdicts are never
   * split). Their keys (masks, kind, tool, classes) are numbered by `profiles` — the build's
   * numbering, kept between batches: a key seen first gets the next number, new keys of a batch in
   * key order (byte order on both dialects) — and their step → profile rows are written under the
   * build's generation, which no reader uses yet. Returns the last step id of the batch, or null
   * when this batch was the last.
   */
  *buildBatch(build: BuildStart, profiles: ProfileNumbering, afterStepId: number, verdicts: number): Program<number | null> {
    const d = this.dialect;
    const end = (yield* this.get<{ stepId: number }>(
      `SELECT "stepId" AS stepId FROM "Verdict" WHERE "runId" = ? AND "stepId" > ? ORDER BY "stepId" LIMIT 1 OFFSET ?`,
      [build.runId, afterStepId, Math.max(0, verdicts - 1)],
    ))?.stepId ?? null;
    const keys = stepKeys(build.rules, build.runId, d, { after: afterStepId, upTo: end });
    // temp tables unqualified (SQLite searches temp first, PostgreSQL pg_temp), declared and then
    // filled (PostgreSQL takes no parameters in CREATE TABLE … AS); created and dropped inside the
    // batch's transaction, so a failed batch leaves none behind
    yield* this.run(`DROP TABLE IF EXISTS "calibration_build"`);
    yield* this.run(`CREATE TEMP TABLE "calibration_build" (stepId INTEGER, failMask BIGINT, passMask BIGINT, kind TEXT, tool TEXT, classes TEXT, questionId INTEGER)`);
    yield* this.run(`INSERT INTO "calibration_build" (stepId, failMask, passMask, kind, tool, classes, questionId) ${keys.sql}`, keys.params);
    // relation classes: one grouped pass over the batch's questions (a few dozen), then set on its steps
    yield* this.run(
      `UPDATE "calibration_build" SET classes = c.classes
       FROM (SELECT qr."questionId" AS questionId, ${classesAgg(d)} AS classes FROM "QuestionRelation" qr
             WHERE qr."questionId" IN (SELECT questionId FROM "calibration_build") GROUP BY qr."questionId") c
       WHERE c.questionId = "calibration_build".questionId`,
    );
    const groups = yield* this.all<ProfileKey & { n: number }>(
      `SELECT failMask AS failMask, passMask AS passMask, kind AS kind, tool AS tool, classes AS classes, COUNT(*) AS n
       FROM "calibration_build" GROUP BY failMask, passMask, kind, tool, classes
       ORDER BY failMask, passMask, ${bytewise(d, "kind")}, ${bytewise(d, "tool")}, ${bytewise(d, "classes")}`,
    );
    const numbered = groups.map((g) => [profiles.add(g, g.n), g.failMask, g.passMask, g.kind, g.tool, g.classes] as Param[]);
    yield* this.run(`DROP TABLE IF EXISTS "calibration_keys"`);
    yield* this.run(`CREATE TEMP TABLE "calibration_keys" (profile INTEGER, failMask BIGINT, passMask BIGINT, kind TEXT, tool TEXT, classes TEXT)`);
    yield* this.run(`CREATE UNIQUE INDEX "calibration_keys_key" ON "calibration_keys" (failMask, passMask, kind, tool, classes)`);
    yield* many("calibration_keys", ["profile", "failMask", "passMask", "kind", "tool", "classes"], numbered);
    yield* this.run(
      `INSERT INTO "CalibrationStep" ("runId", "generation", "stepId", "profile")
       SELECT ?, ?, b.stepId, k.profile FROM "calibration_build" b
       JOIN "calibration_keys" k ON k.failMask = b.failMask AND k.passMask = b.passMask AND k.kind = b.kind AND k.tool = b.tool AND k.classes = b.classes`,
      [build.runId, build.generation],
    );
    yield* this.run(`DROP TABLE "calibration_build"`);
    yield* this.run(`DROP TABLE "calibration_keys"`);
    return end;
  }

  /**
   * Makes a finished build the served generation (one short transaction): its profiles are
   * written, its marker removed and CalibrationRun points at it. False when the build no longer
   * counts — its marker was removed, or a newer generation was committed meanwhile.
   */
  *commitBuild(build: BuildStart, profiles: ProfileNumbering): Program<boolean> {
    const marker = yield* this.get(`SELECT 1 AS ok FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" = ? AND "profile" = 0`, [build.runId, build.generation]);
    if (!marker) return false;
    const served = yield* this.get<{ generation: number }>(`SELECT "generation" FROM "CalibrationRun" WHERE "runId" = ?`, [build.runId]);
    if (served && served.generation >= build.generation) return false;
    yield* this.run(`DELETE FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" = ? AND "profile" = 0`, [build.runId, build.generation]);
    yield* many(
      "CalibrationProfile",
      ["runId", "generation", "profile", "failMask", "passMask", "outcome", "kind", "tool", "classes", "steps"],
      profiles.rows().map((p): Param[] => [build.runId, build.generation, p.profile, p.failMask, p.passMask, outcomeOf(p.failMask, p.passMask), p.kind, p.tool || null, p.classes || null, p.steps]),
    );
    const { fingerprint } = build;
    yield* this.run(
      `INSERT INTO "CalibrationRun" ("runId", "rules", "verdicts", "maxVerdictId", "tags", "generation", "builtAt") VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)
       ON CONFLICT ("runId") DO UPDATE SET "rules" = excluded."rules", "verdicts" = excluded."verdicts", "maxVerdictId" = excluded."maxVerdictId",
         "tags" = excluded."tags", "generation" = excluded."generation", "builtAt" = excluded."builtAt"`,
      [build.runId, JSON.stringify(build.rules), build.verdicts, fingerprint.maxVerdictId, fingerprint.tags, build.generation],
    );
    return true;
  }

  /**
   * Removes up to `limit` rows of superseded generations of a run (older than the served one; the
   * old profiles with the last batch). Returns the rows removed: 0 when nothing is left.
   */
  *dropSupersededBatch(runId: number, limit: number): Program<number> {
    const served = yield* this.get<{ generation: number }>(`SELECT "generation" FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
    if (!served) return 0;
    const old = (yield* this.get<{ g: number | null }>(`SELECT MIN("generation") AS g FROM "CalibrationStep" WHERE "runId" = ? AND "generation" < ?`, [runId, served.generation]))?.g ?? null;
    if (old === null) {
      return (yield* run(`DELETE FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" < ?`, runId, served.generation)).changes;
    }
    return yield* this.dropStepsBatch(runId, old, limit);
  }

  /** A run whose verifier run was deleted but whose cache is still there (a cache has no foreign keys). */
  *orphanRun(): Program<number | null> {
    return (yield* this.get<{ runId: number }>(`SELECT "runId" AS runId FROM "CalibrationRun" WHERE "runId" NOT IN (SELECT "id" FROM "VerifierRun") ORDER BY "runId" LIMIT 1`))?.runId ?? null;
  }

  /** Removes up to `limit` cache rows of a deleted run; its profiles and CalibrationRun row with the last batch. */
  *dropRunBatch(runId: number, limit: number): Program<number> {
    const old = (yield* this.get<{ g: number | null }>(`SELECT MIN("generation") AS g FROM "CalibrationStep" WHERE "runId" = ?`, [runId]))?.g ?? null;
    if (old !== null) return yield* this.dropStepsBatch(runId, old, limit);
    yield* this.run(`DELETE FROM "CalibrationProfile" WHERE "runId" = ?`, [runId]);
    yield* this.run(`DELETE FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
    yield* this.run(`DELETE FROM "CalibrationGroups" WHERE "runId" = ?`, [runId]);
    return 0;
  }

  private *dropStepsBatch(runId: number, generation: number, limit: number): Program<number> {
    const cut = (yield* this.get<{ stepId: number }>(
      `SELECT "stepId" AS stepId FROM "CalibrationStep" WHERE "runId" = ? AND "generation" = ? ORDER BY "stepId" LIMIT 1 OFFSET ?`,
      [runId, generation, limit],
    ))?.stepId;
    const removed = cut === undefined
      ? yield* run(`DELETE FROM "CalibrationStep" WHERE "runId" = ? AND "generation" = ?`, runId, generation)
      : yield* run(`DELETE FROM "CalibrationStep" WHERE "runId" = ? AND "generation" = ? AND "stepId" < ?`, runId, generation, cut);
    return Math.max(1, removed.changes);
  }

  /**
   * Keeps a current cache current after one trace was re-verified in place (a reviewer's edit):
   * re-profiles that trace's steps in the served generation instead of rebuilding the run. No cache
   * yet, or a rule the cache's bit order lacks: drop it and let the next request build it whole.
   */
  *refreshTrace(runId: number, traceId: number): Program<void> {
    const cached = yield* this.get<{ rules: string; generation: number }>(`SELECT "rules", "generation" FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
    if (!cached) return;
    const rules = JSON.parse(cached.rules) as string[];
    const generation = cached.generation;
    const traceRules = (yield* this.all<{ rule: string }>(`SELECT DISTINCT "rule" FROM "Verdict" WHERE "runId" = ? AND "traceId" = ?`, [runId, traceId])).map((r) => r.rule);
    if (traceRules.some((rule) => !rules.includes(rule))) {
      yield* this.run(`DELETE FROM "CalibrationRun" WHERE "runId" = ?`, [runId]);
      return;
    }
    const keys = stepKeys(rules, runId, this.dialect, { traceId });
    const fresh = yield* this.all<{ stepId: number; failMask: number; passMask: number; kind: string; tool: string; classes: string }>(keys.sql, keys.params);
    // the trace's old step → profile rows leave their profiles' counts
    yield* this.run(
      `UPDATE "CalibrationProfile" SET "steps" = "steps" - (
         SELECT COUNT(*) FROM "CalibrationStep" c JOIN "Step" s ON s."id" = c."stepId"
         WHERE c."runId" = "CalibrationProfile"."runId" AND c."generation" = "CalibrationProfile"."generation" AND c."profile" = "CalibrationProfile"."profile" AND s."traceId" = ?)
       WHERE "runId" = ? AND "generation" = ?`,
      [traceId, runId, generation],
    );
    yield* this.run(`DELETE FROM "CalibrationStep" WHERE "runId" = ? AND "generation" = ? AND "stepId" IN (SELECT "id" FROM "Step" WHERE "traceId" = ?)`, [runId, generation, traceId]);
    for (const row of fresh) {
      const tool = row.tool || null;
      const classes = row.classes || null;
      let profile = (yield* this.get<{ profile: number }>(
        `SELECT "profile" FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" = ? AND "profile" > 0 AND "failMask" = ? AND "passMask" = ? AND "kind" = ? AND "tool" IS NOT DISTINCT FROM ? AND "classes" IS NOT DISTINCT FROM ?`,
        [runId, generation, row.failMask, row.passMask, row.kind, tool, classes],
      ))?.profile;
      if (profile === undefined) {
        profile = (yield* this.get<{ last: number }>(`SELECT COALESCE(MAX("profile"), 0) AS last FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" = ?`, [runId, generation]))!.last + 1;
        yield* this.run(
          `INSERT INTO "CalibrationProfile" ("runId", "generation", "profile", "failMask", "passMask", "outcome", "kind", "tool", "classes", "steps")
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          [runId, generation, profile, row.failMask, row.passMask, outcomeOf(row.failMask, row.passMask), row.kind, tool, classes],
        );
      }
      yield* this.run(`INSERT INTO "CalibrationStep" ("runId", "generation", "stepId", "profile") VALUES (?, ?, ?, ?)`, [runId, generation, row.stepId, profile]);
      yield* this.run(`UPDATE "CalibrationProfile" SET "steps" = "steps" + 1 WHERE "runId" = ? AND "generation" = ? AND "profile" = ?`, [runId, generation, profile]);
    }
    const now = yield* this.fingerprint(runId);
    yield* this.run(`UPDATE "CalibrationRun" SET "maxVerdictId" = ?, "tags" = ? WHERE "runId" = ?`, [now.maxVerdictId, now.tags, runId]);
  }

  *profiles(cache: RunCache): Program<ProfileRow[]> {
    return yield* this.all<ProfileRow>(
      `SELECT "profile" AS profile, "failMask" AS failMask, "passMask" AS passMask, "outcome" AS outcome, "kind" AS kind, "tool" AS tool, "classes" AS classes, "steps" AS steps
       FROM "CalibrationProfile" WHERE "runId" = ? AND "generation" = ? AND "profile" > 0 ORDER BY "profile"`,
      [cache.runId, cache.generation],
    );
  }

  /** Labelled steps of the dataset grouped by (votes, profile in the run). */
  *stepGroups(datasetId: number, cache: RunCache, filter: LabelFilter): Program<VotesProfileRow[]> {
    const labels = stepLabels(filter, this.dialect);
    return yield* this.stepGroupsOf(`WITH ${labels.sql}`, labels.params(datasetId), cache);
  }

  /** Labelled traces grouped by votes and the run's quality score and validity. */
  *traceGroups(datasetId: number, runId: number, filter: LabelFilter): Program<TraceGroupRow[]> {
    const labels = traceLabels(filter);
    return yield* this.traceGroupsOf(`WITH ${labels.sql}`, labels.params(datasetId), runId);
  }

  /** Labelled traces grouped by votes and the run's score parts (rule tallies), for the trace-level fit. */
  *traceParts(datasetId: number, runId: number, filter: LabelFilter): Program<TracePartsRow[]> {
    const labels = traceLabels(filter);
    return yield* this.tracePartsOf(`WITH ${labels.sql}`, labels.params(datasetId), runId);
  }

  // The groupings of a `labels` relation (stepId or traceId, votes) given as a WITH clause: of every
  // label (the fold) or of the changed steps' and traces' only (changedGroups).
  private *stepGroupsOf(withLabels: string, params: Param[], cache: RunCache): Program<VotesProfileRow[]> {
    return canonical(yield* this.all<VotesProfileRow>(
      `${withLabels}
       SELECT l.votes AS votes, c."profile" AS profile, COUNT(*) AS n
       FROM labels l LEFT JOIN "CalibrationStep" c ON c."runId" = ? AND c."generation" = ? AND c."stepId" = l.stepId
       GROUP BY 1, 2`,
      [...params, cache.runId, cache.generation],
    ), ["votes", "profile"]);
  }

  private *traceGroupsOf(withLabels: string, params: Param[], runId: number): Program<TraceGroupRow[]> {
    return canonical(yield* this.all<TraceGroupRow>(
      `${withLabels}
       SELECT l.votes AS votes, ts."quality" AS quality, ts."valid" AS valid, COUNT(*) AS n
       FROM labels l JOIN "TraceScore" ts ON ts."runId" = ? AND ts."traceId" = l.traceId
       GROUP BY 1, 2, 3`,
      [...params, runId],
    ), ["votes", "quality", "valid"]);
  }

  private *tracePartsOf(withLabels: string, params: Param[], runId: number): Program<TracePartsRow[]> {
    return canonical(yield* this.all<TracePartsRow>(
      `${withLabels}
       SELECT l.votes AS votes, ts."parts" AS parts, COUNT(*) AS n
       FROM labels l JOIN "TraceScore" ts ON ts."runId" = ? AND ts."traceId" = l.traceId
       GROUP BY 1, 2`,
      [...params, runId],
    ), ["votes", "parts"]);
  }

  /**
   * What a run's folded label groups (CalibrationGroups) stand for now: the served cache's
   * generation, last verdict id and tags fingerprint, and the dataset's label clock (ticked by
   * triggers on every Review change). Null when `cache` is no longer the served generation.
   */
  *groupsStamp(cache: RunCache, datasetId: number): Program<GroupsStamp | null> {
    const row = yield* this.get<{ generation: number; maxVerdictId: number; tags: string; tick: number }>(
      `SELECT c."generation" AS generation, c."maxVerdictId" AS maxVerdictId, c."tags" AS tags,
         COALESCE((SELECT "tick" FROM "LabelClock" WHERE "datasetId" = ?), 0) AS tick
       FROM "CalibrationRun" c WHERE c."runId" = ?`,
      [datasetId, cache.runId],
    );
    return row && row.generation === cache.generation ? { base: `${row.generation}:${row.maxVerdictId}:${row.tags}`, tick: row.tick } : null;
  }

  /** The stored label groups of a run under one label filter key, when their stamp is `stamp`. */
  *storedGroups(runId: number, filter: string, stamp: string): Program<LabelGroups | null> {
    const row = yield* this.get<{ steps: string; traces: string; reviewers: string; tagged: number }>(
      `SELECT "steps", "traces", "reviewers", "tagged" FROM "CalibrationGroups" WHERE "runId" = ? AND "filter" = ? AND "stamp" = ?`,
      [runId, filter, stamp],
    );
    if (!row) return null;
    const steps = JSON.parse(row.steps) as Array<[number, number | null, number]>;
    const traces = JSON.parse(row.traces) as Array<[number, number, number, number]>;
    return {
      steps: steps.map(([votes, profile, n]) => ({ votes, profile, n })),
      traces: traces.map(([votes, quality, valid, n]) => ({ votes, quality, valid, n })),
      reviewers: JSON.parse(row.reviewers) as number[],
      tagged: row.tagged,
    };
  }

  /** The stored trace groups by score parts (the fit's), when their stamp is `stamp` and the fit stored them. */
  *storedParts(runId: number, filter: string, stamp: string): Program<TracePartsRow[] | null> {
    const row = yield* this.get<{ parts: string | null }>(`SELECT "parts" FROM "CalibrationGroups" WHERE "runId" = ? AND "filter" = ? AND "stamp" = ?`, [runId, filter, stamp]);
    if (!row?.parts) return null;
    return (JSON.parse(row.parts) as Array<[number, string | null, number]>).map(([votes, parts, n]) => ({ votes, parts, n }));
  }

  /** Adds the trace groups by score parts to the stored groups of that stamp (none stored under it: nothing). */
  *saveParts(runId: number, filter: string, stamp: string, rows: readonly TracePartsRow[]): Program<void> {
    yield* this.run(`UPDATE "CalibrationGroups" SET "parts" = ? WHERE "runId" = ? AND "filter" = ? AND "stamp" = ?`, [JSON.stringify(rows.map((r) => [r.votes, r.parts, r.n])), runId, filter, stamp]);
  }

  /**
   * Stores a run's label groups under one filter key (replacing older ones; the fit's parts with
   * them unless given), exact at label clock `tick` (-1: not exact, never brought forward from the
   * change log), then lets the dataset's change log start or shrink (trimLog).
   */
  *saveGroups(runId: number, datasetId: number, filter: string, stamp: string, tick: number, groups: LabelGroups, parts: readonly TracePartsRow[] | null = null): Program<void> {
    yield* this.run(
      `INSERT INTO "CalibrationGroups" ("runId", "filter", "stamp", "steps", "traces", "parts", "reviewers", "tagged", "tick", "builtAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)
       ON CONFLICT ("runId", "filter") DO UPDATE SET "stamp" = excluded."stamp", "steps" = excluded."steps", "traces" = excluded."traces",
         "parts" = excluded."parts", "reviewers" = excluded."reviewers", "tagged" = excluded."tagged", "tick" = excluded."tick", "builtAt" = excluded."builtAt"`,
      [
        runId, filter, stamp,
        JSON.stringify(groups.steps.map((g) => [g.votes, g.profile, g.n])),
        JSON.stringify(groups.traces.map((g) => [g.votes, g.quality, g.valid, g.n])),
        parts === null ? null : JSON.stringify(parts.map((r) => [r.votes, r.parts, r.n])),
        JSON.stringify(groups.reviewers),
        groups.tagged,
        tick,
      ],
    );
    yield* this.trimLog(datasetId);
  }

  /** The stored fold of a run under one filter key, whatever its stamp (null: none). */
  *storedFold(runId: number, filter: string): Program<StoredFold | null> {
    const row = yield* this.get<{ stamp: string; tick: number; steps: string; traces: string; parts: string | null; reviewers: string; tagged: number }>(
      `SELECT "stamp", "tick", "steps", "traces", "parts", "reviewers", "tagged" FROM "CalibrationGroups" WHERE "runId" = ? AND "filter" = ?`,
      [runId, filter],
    );
    if (!row) return null;
    return {
      stamp: row.stamp,
      tick: row.tick,
      steps: (JSON.parse(row.steps) as Array<[number, number | null, number]>).map(([votes, profile, n]) => ({ votes, profile, n })),
      traces: (JSON.parse(row.traces) as Array<[number, number, number, number]>).map(([votes, quality, valid, n]) => ({ votes, quality, valid, n })),
      parts: row.parts === null ? null : (JSON.parse(row.parts) as Array<[number, string | null, number]>).map(([votes, parts, n]) => ({ votes, parts, n })),
      reviewers: JSON.parse(row.reviewers) as number[],
      tagged: row.tagged,
    };
  }

  /**
   * The dataset's label clock for a refresh from the change log: its tick and where its log starts
   * (null: not logging). On PostgreSQL the clock row is locked until the refresh commits: a label
   * writer ticks it (and logs) before it commits, so under the lock every committed label change is
   * in the log and none commits until the refresh has read the labels (SQLite: one writer anyway).
   */
  *lockClock(datasetId: number): Program<{ tick: number; logFrom: number | null }> {
    const row = yield* this.get<{ tick: number; logFrom: number | null }>(
      `SELECT "tick" AS tick, "logFrom" AS logFrom FROM "LabelClock" WHERE "datasetId" = ?${this.dialect === "postgres" ? " FOR UPDATE" : ""}`,
      [datasetId],
    );
    return row ?? { tick: 0, logFrom: null };
  }

  /**
   * After a fold was stored: the change log starts at the current tick if it was off, and drops
   * what every stored fold of the dataset that can still be brought forward has passed (the oldest
   * such fold's tick becomes the log's start).
   */
  private *trimLog(datasetId: number): Program<void> {
    yield* this.run(`INSERT INTO "LabelClock" ("datasetId", "tick") VALUES (?, 0) ON CONFLICT ("datasetId") DO NOTHING`, [datasetId]);
    yield* this.run(`UPDATE "LabelClock" SET "logFrom" = "tick", "logged" = 0 WHERE "datasetId" = ? AND "logFrom" IS NULL`, [datasetId]);
    const cut = yield* this.get<{ cutoff: number | null; logFrom: number }>(
      `SELECT (SELECT MIN(g."tick") FROM "CalibrationGroups" g JOIN "VerifierRun" v ON v."id" = g."runId" WHERE v."datasetId" = c."datasetId" AND g."tick" >= c."logFrom") AS cutoff, c."logFrom" AS logFrom
       FROM "LabelClock" c WHERE c."datasetId" = ?`,
      [datasetId],
    );
    if (!cut || cut.cutoff === null || cut.cutoff <= cut.logFrom) return;
    yield* this.run(`DELETE FROM "LabelChange" WHERE "datasetId" = ? AND "tick" <= ?`, [datasetId, cut.cutoff]);
    yield* this.run(`UPDATE "LabelClock" SET "logFrom" = ?, "logged" = (SELECT COUNT(*) FROM "LabelChange" WHERE "datasetId" = ?) WHERE "datasetId" = ?`, [cut.cutoff, datasetId, datasetId]);
  }

  /**
   * The groups of the steps and traces the change log names after tick `since`, folded as the
   * stored fold counted them (`past`: the labels rebuilt as they were at `since` — the rows no
   * change touched, and each touched row's image before its first change, a row the first change
   * inserted left out) or as they are `now`. A changed step's whole contribution moves: its votes
   * under the filter (the gold overrule and reviewer included) are those of its labels only.
   */
  *changedGroups(datasetId: number, cache: RunCache, filter: LabelFilter, since: number, side: "past" | "now", withParts: boolean): Program<ChangedGroups> {
    const columns = `"id", "traceId", "stepId", "userId", "label", "afterError", "current", "source"`;
    const changed = `changes AS (SELECT * FROM "LabelChange" WHERE "datasetId" = ? AND "tick" > ?),
      steps AS (SELECT "stepId" AS stepId FROM changes WHERE "stepId" IS NOT NULL
        UNION SELECT r."stepId" FROM "Review" r JOIN changes c ON c."reviewId" = r."id" WHERE r."stepId" IS NOT NULL),
      traces AS (SELECT "traceId" AS traceId FROM changes WHERE "existed" = TRUE AND "stepId" IS NULL
        UNION SELECT r."traceId" FROM "Review" r JOIN changes c ON c."reviewId" = r."id" WHERE r."stepId" IS NULL)`
      + (side === "past"
        ? `, past AS (
      SELECT ${columns} FROM "Review" r WHERE r."stepId" IN (SELECT stepId FROM steps) AND r."id" NOT IN (SELECT "reviewId" FROM changes)
      UNION ALL
      SELECT ${columns} FROM "Review" r WHERE r."stepId" IS NULL AND r."traceId" IN (SELECT traceId FROM traces) AND r."id" NOT IN (SELECT "reviewId" FROM changes)
      UNION ALL
      SELECT c."reviewId", c."traceId", c."stepId", c."userId", c."label", c."afterError", c."current", c."source"
      FROM (SELECT MIN("id") AS first FROM changes GROUP BY "reviewId") f JOIN "LabelChange" c ON c."id" = f.first
      WHERE c."existed" = TRUE)`
        : "");
    const labels = side === "past" ? "past" : `"Review"`;
    const inDataset = `r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?)`;
    const step = labelWhere(filter, "step", labels);
    const trace = labelWhere(filter, "trace", labels);
    const head = [datasetId, since];
    const steps = yield* this.stepGroupsOf(
      `WITH ${changed}, labels AS (
         SELECT r."stepId" AS stepId, SUM(${PACKED_VOTE}) AS votes FROM ${labels} r
         WHERE r."stepId" IN (SELECT stepId FROM steps) AND ${inDataset} AND ${step.sql} GROUP BY r."stepId")`,
      [...head, datasetId, ...step.params],
      cache,
    );
    const traceLabelsSql = `WITH ${changed}, labels AS (
         SELECT r."traceId" AS traceId, SUM(${PACKED_VOTE}) AS votes FROM ${labels} r
         WHERE r."traceId" IN (SELECT traceId FROM traces) AND ${inDataset} AND ${trace.sql} GROUP BY r."traceId")`;
    const traceParams = [...head, datasetId, ...trace.params];
    const traces = yield* this.traceGroupsOf(traceLabelsSql, traceParams, cache.runId);
    const parts = withParts ? yield* this.tracePartsOf(traceLabelsSql, traceParams, cache.runId) : [];
    return { steps, traces, parts };
  }

  /**
   * Brings the stored fold of a run under one filter key forward to the current label clock from
   * the change log, in one write transaction: the changed steps' and traces' groups as the fold
   * counted them leave, the same groups folded from the labels now join, the changed users are
   * looked up again. Null — fold in full — when there is no stored fold, it is of another run cache
   * or not exact, or the log does not reach back to it (off, trimmed, or stopped at its limit).
   */
  *bringForward(datasetId: number, cache: RunCache, filter: LabelFilter, key: string): Program<{ stamp: string; groups: LabelGroups } | null> {
    const fold = yield* this.storedFold(cache.runId, key);
    if (!fold || fold.tick < 0) return null;
    const clock = yield* this.lockClock(datasetId);
    const now = yield* this.groupsStamp(cache, datasetId);
    if (!now || clock.logFrom === null || fold.tick < clock.logFrom || fold.stamp !== stampOf(now.base, fold.tick)) return null;
    const past = yield* this.changedGroups(datasetId, cache, filter, fold.tick, "past", fold.parts !== null);
    const current = yield* this.changedGroups(datasetId, cache, filter, fold.tick, "now", fold.parts !== null);
    const users = yield* this.changedUsers(datasetId, fold.tick);
    const still = yield* this.reviewersAmong(datasetId, users);
    const steps = moved(fold.steps, past.steps, current.steps, ["votes", "profile"]);
    const traces = moved(fold.traces, past.traces, current.traces, ["votes", "quality", "valid"]);
    const parts = fold.parts === null ? null : moved(fold.parts, past.parts, current.parts, ["votes", "parts"]);
    // a group counted below zero: the fold was not what its stamp says — fold in full instead
    if (steps === null || traces === null || (fold.parts !== null && parts === null)) return null;
    const gone = new Set(users);
    const groups: LabelGroups = {
      steps,
      traces,
      reviewers: [...fold.reviewers.filter((id) => !gone.has(id)), ...still].sort((a, b) => a - b),
      tagged: fold.tagged,
    };
    const stamp = stampOf(now.base, now.tick);
    yield* this.saveGroups(cache.runId, datasetId, key, stamp, now.tick, groups, parts);
    return { stamp, groups };
  }

  /** Users the change log after `since` names (before or after their change). */
  *changedUsers(datasetId: number, since: number): Program<number[]> {
    return (yield* this.all<{ userId: number }>(
      `SELECT c."userId" AS userId FROM "LabelChange" c WHERE c."datasetId" = ? AND c."tick" > ? AND c."userId" IS NOT NULL
       UNION SELECT r."userId" FROM "Review" r JOIN "LabelChange" c ON c."reviewId" = r."id" WHERE c."datasetId" = ? AND c."tick" > ?`,
      [datasetId, since, datasetId, since],
    )).map((r) => r.userId);
  }

  /** Of `users`, those with a current label in the dataset. */
  *reviewersAmong(datasetId: number, users: readonly number[]): Program<number[]> {
    if (users.length === 0) return [];
    return (yield* this.all<{ id: number }>(
      `SELECT u."id" AS id FROM "User" u WHERE u."id" IN (${placeholders(users.length)})
         AND EXISTS (SELECT 1 FROM "Review" r JOIN "Trace" t ON t."id" = r."traceId" WHERE r."userId" = u."id" AND r."current" = TRUE AND t."datasetId" = ?)`,
      [...users, datasetId],
    )).map((r) => r.id);
  }

  /** Labelled steps grouped by votes and their profiles in two runs. */
  *flipGroups(datasetId: number, before: RunCache, after: RunCache, filter: LabelFilter): Program<FlipGroupRow[]> {
    const labels = stepLabels(filter, this.dialect);
    return canonical(yield* this.all<FlipGroupRow>(
      `WITH ${labels.sql}
       SELECT l.votes AS votes, b."profile" AS before, x."profile" AS after, COUNT(*) AS n
       FROM labels l
       LEFT JOIN "CalibrationStep" b ON b."runId" = ? AND b."generation" = ? AND b."stepId" = l.stepId
       LEFT JOIN "CalibrationStep" x ON x."runId" = ? AND x."generation" = ? AND x."stepId" = l.stepId
       GROUP BY 1, 2, 3`,
      [...labels.params(datasetId), before.runId, before.generation, after.runId, after.generation],
    ), ["votes", "before", "after"]);
  }

  /**
   * Labelled steps whose outcome differs between the two runs (a missing verdict is skip), in step
   * id order (= trace and step order: a trace's steps get consecutive ids when imported). The scan
   * walks the labels in step id order (Review(stepId, current)) and groups them as it goes, so a
   * page stops as soon as it is full: the first page reads a few hundred labels, not every one
   * (a labels CTE grouped first made every page cost a pass over all of them). Only the page joins
   * Step and Trace.
   */
  *flips(datasetId: number, before: RunCache, after: RunCache, filter: LabelFilter, limit: number, offset: number): Program<FlipRow[]> {
    const where = labelWhere(filter, "step");
    return yield* this.all<FlipRow>(
      `WITH flipped AS (
         SELECT r."stepId" AS stepId, SUM(${PACKED_VOTE}) AS votes, MAX(b."profile") AS before, MAX(x."profile") AS after
         FROM ${reviewByStep(this.dialect)}
         LEFT JOIN "CalibrationStep" b ON b."runId" = ? AND b."generation" = ? AND b."stepId" = r."stepId"
         LEFT JOIN "CalibrationProfile" pb ON pb."runId" = ? AND pb."generation" = ? AND pb."profile" = b."profile"
         LEFT JOIN "CalibrationStep" x ON x."runId" = ? AND x."generation" = ? AND x."stepId" = r."stepId"
         LEFT JOIN "CalibrationProfile" px ON px."runId" = ? AND px."generation" = ? AND px."profile" = x."profile"
         WHERE r."traceId" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ?) AND ${where.sql}
           AND COALESCE(pb."outcome", 'skip') <> COALESCE(px."outcome", 'skip')
         GROUP BY r."stepId"
         ORDER BY r."stepId"
         LIMIT ? OFFSET ?)
       SELECT f.stepId AS stepId, s."traceId" AS traceId, t."externalId" AS externalId, s."index" AS stepIndex, f.votes AS votes, f.before AS before, f.after AS after
       FROM flipped f JOIN "Step" s ON s."id" = f.stepId JOIN "Trace" t ON t."id" = s."traceId"
       ORDER BY f.stepId`,
      [before.runId, before.generation, before.runId, before.generation, after.runId, after.generation, after.runId, after.generation, datasetId, ...where.params, limit, offset],
    );
  }

  /** pass / fail / skip verdicts per rule in a run (index-only over Verdict(runId, rule, outcome)). */
  *ruleOutcomes(runId: number, rules: readonly string[]): Program<Array<{ rule: string; outcome: string; n: number }>> {
    if (rules.length === 0) return [];
    return yield* this.all(
      `SELECT "rule" AS rule, "outcome" AS outcome, COUNT(*) AS n FROM "Verdict"
       WHERE "runId" = ? AND "rule" IN (${placeholders(rules.length)}) AND "outcome" IN ('pass', 'fail', 'skip')
       GROUP BY 1, 2`,
      [runId, ...rules],
    );
  }

  /** Failing verdicts per (run, rule) for the trend across versions (one index range per run and rule). */
  *failureTrend(runIds: readonly number[], rules: readonly string[]): Program<Array<{ runId: number; rule: string; n: number }>> {
    if (runIds.length === 0 || rules.length === 0) return [];
    return yield* this.all(
      `SELECT "runId" AS runId, "rule" AS rule, COUNT(*) AS n FROM "Verdict"
       WHERE "runId" IN (${placeholders(runIds.length)}) AND "rule" IN (${placeholders(rules.length)}) AND "outcome" = 'fail'
       GROUP BY 1, 2`,
      [...runIds, ...rules],
    );
  }

  /** Failing verdicts of the given rules on steps of the given profiles, oldest first, with the step's votes. */
  *failureExamples(cache: RunCache, rules: readonly string[], profiles: readonly number[], filter: LabelFilter, limit: number, offset: number): Program<FailureExampleRow[]> {
    if (rules.length === 0 || profiles.length === 0) return [];
    const votes = votesOfStep(filter, `v."stepId"`);
    return yield* this.all<FailureExampleRow>(
      `SELECT v."id" AS verdictId, v."traceId" AS traceId, t."externalId" AS externalId, s."index" AS stepIndex, c."profile" AS profile,
         v."rule" AS rule, v."message" AS message, ${votes.sql} AS votes
       FROM "Verdict" v
       JOIN "CalibrationStep" c ON c."runId" = v."runId" AND c."generation" = ? AND c."stepId" = v."stepId"
       JOIN "Step" s ON s."id" = v."stepId"
       JOIN "Trace" t ON t."id" = v."traceId"
       WHERE v."runId" = ? AND v."rule" IN (${placeholders(rules.length)}) AND v."outcome" = 'fail'
         AND c."profile" IN (${placeholders(profiles.length)})
       ORDER BY v."id"
       LIMIT ? OFFSET ?`,
      [...votes.params, cache.generation, cache.runId, ...rules, ...profiles, limit, offset],
    );
  }
}
