// A fast raw-SQL generator of a verified, human-labelled dataset for the calibration bench:
// INSERT … SELECT over recursive CTEs, no per-row JavaScript. Deterministic: "random" draws are
// multiplicative hashes of row ids. Shapes follow the verifier (rules per step kind, 10-step
// traces: plan, 3 × (call, result, reasoning) minus one reasoning, answer).
import type Database from "better-sqlite3";

export interface CalibrationDataOptions {
  traces: number;
  /** Share of steps with a human label (0–1). */
  stepLabelShare: number;
  /** Share of traces with a human trace decision (0–1). */
  traceLabelShare: number;
}

export interface CalibrationData {
  datasetId: number;
  datasetName: string;
  runId: number;
  steps: number;
  verdicts: number;
  stepLabels: number;
  traceLabels: number;
}

/** Rules per step kind, as the verifier emits them. */
const RULES_BY_KIND: Record<string, string[]> = {
  tool_call: ["args.schema", "args.refs", "cross.pairing", "cross.propagation"],
  tool_result: ["result.reexec", "cross.pairing"],
  reasoning: ["reasoning.claims"],
  answer: ["cross.answer", "final.correct"],
};
const ALL_RULES = ["args.schema", "args.refs", "result.reexec", "reasoning.claims", "cross.pairing", "cross.propagation", "cross.answer", "final.correct"];
const KINDS = ["plan", "tool_call", "tool_result", "reasoning", "tool_call", "tool_result", "reasoning", "tool_call", "tool_result", "answer"];
const TOOLS = ["detect", "relate", "filter", "count"];
const CLASSES = ["projective", "metric", "topological", "size"];

/** Verdicts per trace with the shapes above: 3×4 + 3×2 + 2×1 + 2 = 22. */
export const VERDICTS_PER_TRACE = KINDS.reduce((sum, kind) => sum + (RULES_BY_KIND[kind]?.length ?? 0), 0);

/** h(x) ∈ [0, 1000): a deterministic pseudo-random draw from an integer expression. */
const draw = (expression: string, salt: number) => `(((${expression}) * 2654435761 + ${salt * 40503}) % 1000003) % 1000`;

export function generateCalibrationData(db: Database.Database, options: CalibrationDataOptions, name = "calibration-bench"): CalibrationData {
  return db.transaction(() => {
    const datasetId = Number(db.prepare(`INSERT INTO "Dataset" ("name") VALUES (?)`).run(name).lastInsertRowid);
    const rules = Object.fromEntries(ALL_RULES.map((r) => [r, { enabled: true, weight: 1 }]));
    const configId = Number(db.prepare(`INSERT INTO "VerifierConfig" ("version", "name", "rules", "tolerances", "threshold") VALUES ((SELECT COALESCE(MAX("version"), 0) + 1 FROM "VerifierConfig"), 'bench', ?, '{}', 0.8)`).run(JSON.stringify(rules)).lastInsertRowid);
    const runId = Number(db.prepare(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status") VALUES (?, ?, 'done')`).run(configId, datasetId).lastInsertRowid);
    const userId = Number(db.prepare(`INSERT INTO "User" ("name") VALUES (?) ON CONFLICT ("name") DO UPDATE SET "name" = excluded."name" RETURNING "id"`).pluck().get("bench-reviewer"));

    // one question per 50 traces, each tagged with one or two relation classes
    const questions = Math.max(1, Math.ceil(options.traces / 50));
    db.prepare(`INSERT INTO "Question" ("datasetId", "text", "source")
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
      SELECT ?, 'bench question ' || i, 'bench' FROM n`).run(questions, datasetId);
    const firstQuestion = Number(db.prepare(`SELECT MIN("id") FROM "Question" WHERE "datasetId" = ?`).pluck().get(datasetId));
    const classList = CLASSES.map((c) => `'${c}'`).join(", ");
    db.prepare(`INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass")
      SELECT q."id", 'rel-' || c.value, c.value FROM "Question" q JOIN json_each(json_array(${classList})) c
      WHERE q."datasetId" = ? AND (c.key = q."id" % 4 OR (q."id" % 3 = 0 AND c.key = (q."id" + 1) % 4))`).run(datasetId);

    db.prepare(`INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "question", "method", "format", "contentHash", "raw", "stepCount")
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
      SELECT ?, 'bench-' || i, ? + i / 50, 'bench question', 'direct', 'canonical', 'h' || i, '{}', ${KINDS.length} FROM n`).run(options.traces, datasetId, firstQuestion);

    const kinds = KINDS.map((k, i) => `SELECT ${i} AS k, '${k}' AS kind`).join(" UNION ALL ");
    db.prepare(`INSERT INTO "Step" ("traceId", "index", "kind", "tool", "callId", "text")
      SELECT t."id", k.k, k.kind,
        CASE WHEN k.kind = 'tool_call' THEN json_extract(json_array(${TOOLS.map((x) => `'${x}'`).join(", ")}), '$[' || ((t."id" + k.k) % ${TOOLS.length}) || ']') END,
        CASE WHEN k.kind IN ('tool_call', 'tool_result') THEN 'c' || ((k.k - 1) / 3) END,
        CASE WHEN k.kind IN ('plan', 'reasoning', 'answer') THEN 'bench step' END
      FROM "Trace" t CROSS JOIN (${kinds}) k WHERE t."datasetId" = ? ORDER BY t."id", k.k`).run(datasetId);

    const ruleRows = Object.entries(RULES_BY_KIND).flatMap(([kind, list]) => list.map((rule) => `SELECT '${kind}' AS kind, '${rule}' AS rule, ${ALL_RULES.indexOf(rule)} AS r`)).join(" UNION ALL ");
    // ~7% of verdicts fail (rule-dependent), args.refs skips on ~5% of calls
    db.prepare(`INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome", "message")
      SELECT ?, s."id", s."traceId", x.rule,
        CASE WHEN x.rule = 'args.refs' AND ${draw(`s."id"`, 99)} < 50 THEN 'skip'
             WHEN ${draw(`s."id" * 8 + x.r`, 1)} < 40 + 10 * x.r THEN 'fail' ELSE 'pass' END,
        NULL
      FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" JOIN (${ruleRows}) x ON x.kind = s."kind"
      WHERE t."datasetId" = ? ORDER BY s."id"`).run(runId, datasetId);

    const tally = ALL_RULES.map((rule) => `'${rule}', json_array(SUM(v."rule" = '${rule}' AND v."outcome" = 'pass'), SUM(v."rule" = '${rule}' AND v."outcome" = 'fail'), SUM(v."rule" = '${rule}' AND v."outcome" = 'skip'))`).join(", ");
    db.prepare(`INSERT INTO "TraceScore" ("runId", "traceId", "quality", "valid", "parts")
      SELECT ?, v."traceId",
        1.0 - 4.0 * SUM(v."outcome" = 'fail') / COUNT(*),
        SUM(v."outcome" = 'fail') = 0,
        json_object('steps', 1.0 - 1.0 * SUM(v."outcome" = 'fail') / MAX(1, SUM(v."outcome" <> 'skip')), 'completeness', NULL, 'final', NULL, 'rules', json_object(${tally}))
      FROM "Verdict" v WHERE v."runId" = ? GROUP BY v."traceId"`).run(runId, runId);
    db.prepare(`UPDATE "TraceScore" SET "quality" = MAX(0, "quality") WHERE "runId" = ?`).run(runId);
    db.prepare(`UPDATE "Trace" SET "runId" = ?, "quality" = (SELECT "quality" FROM "TraceScore" WHERE "runId" = ? AND "traceId" = "Trace"."id") WHERE "datasetId" = ?`).run(runId, runId, datasetId);

    // step labels: humans reject 80% of failing steps and 6% of passing ones; 5% neutral
    const stepLabels = db.prepare(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source")
      SELECT s."traceId", s."id", ?,
        CASE WHEN ${draw(`s."id"`, 7)} < 50 THEN 'neutral'
             WHEN EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = ? AND v."stepId" = s."id" AND v."outcome" = 'fail')
               THEN CASE WHEN ${draw(`s."id"`, 8)} < 800 THEN 'reject' ELSE 'accept' END
             ELSE CASE WHEN ${draw(`s."id"`, 9)} < 60 THEN 'reject' ELSE 'accept' END END,
        'human'
      FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId"
      WHERE t."datasetId" = ? AND s."kind" <> 'plan' AND ${draw(`s."id"`, 3)} < ?`).run(userId, runId, datasetId, Math.round(options.stepLabelShare * 1000)).changes;

    // trace decisions: accepted with probability ≈ quality
    const traceLabels = db.prepare(`INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source")
      SELECT t."id", NULL, ?, CASE WHEN ${draw(`t."id"`, 11)} < 1000 * ts."quality" THEN 'accept' ELSE 'reject' END, 'human'
      FROM "Trace" t JOIN "TraceScore" ts ON ts."traceId" = t."id" AND ts."runId" = ?
      WHERE t."datasetId" = ? AND ${draw(`t."id"`, 5)} < ?`).run(userId, runId, datasetId, Math.round(options.traceLabelShare * 1000)).changes;

    const steps = Number(db.prepare(`SELECT COUNT(*) FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" WHERE t."datasetId" = ?`).pluck().get(datasetId));
    const verdicts = Number(db.prepare(`SELECT COUNT(*) FROM "Verdict" WHERE "runId" = ?`).pluck().get(runId));
    db.prepare(`UPDATE "VerifierRun" SET "traces" = ?, "steps" = ?, "finishedAt" = CURRENT_TIMESTAMP WHERE "id" = ?`).run(options.traces, steps, runId);
    return { datasetId, datasetName: name, runId, steps, verdicts, stepLabels, traceLabels };
  })();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the same data (the same draws: the hash is integer arithmetic on row ids) with
// server-side INSERT … SELECT over generate_series, the tables' secondary indexes dropped during
// the load and built again after it (one sorted build each instead of 10M random inserts).

/** The subset of a `pg` client the generator needs (a pg.Client or pg.PoolClient). */
export interface PgQuery {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

const BULK_TABLES = ["Trace", "Step", "Verdict", "TraceScore", "Review"];

export async function generateCalibrationDataPg(client: PgQuery, options: CalibrationDataOptions, name = "calibration-bench", log: (line: string) => void = () => {}): Promise<CalibrationData> {
  const one = async (text: string, values: unknown[] = []) => (await client.query(text, values)).rows[0];
  const timed = async (what: string, text: string, values: unknown[] = []) => {
    const started = performance.now();
    const result = await client.query(text, values);
    log(`  ${what}: ${(result.rowCount ?? 0).toLocaleString("en-US")} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return result.rowCount ?? 0;
  };
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET maintenance_work_mem = '512MB'`);
  const indexes = (await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1) AND indexname NOT LIKE '%\\_pkey'`, [BULK_TABLES])).rows as Array<{ indexname: string; indexdef: string }>;
  for (const index of indexes) await client.query(`DROP INDEX "${index.indexname}"`);

  const datasetId = Number((await one(`INSERT INTO "Dataset" ("name") VALUES ($1) RETURNING "id"`, [name])).id);
  const rules = Object.fromEntries(ALL_RULES.map((r) => [r, { enabled: true, weight: 1 }]));
  const configId = Number((await one(`INSERT INTO "VerifierConfig" ("version", "name", "rules", "tolerances", "threshold") VALUES ((SELECT COALESCE(MAX("version"), 0) + 1 FROM "VerifierConfig"), 'bench', $1, '{}', 0.8) RETURNING "id"`, [JSON.stringify(rules)])).id);
  const runId = Number((await one(`INSERT INTO "VerifierRun" ("configId", "datasetId", "status") VALUES ($1, $2, 'done') RETURNING "id"`, [configId, datasetId])).id);
  const userId = Number((await one(`INSERT INTO "User" ("name") VALUES ($1) ON CONFLICT ("name") DO UPDATE SET "name" = excluded."name" RETURNING "id"`, ["bench-reviewer"])).id);

  const questions = Math.max(1, Math.ceil(options.traces / 50));
  await client.query(`INSERT INTO "Question" ("datasetId", "text", "source") SELECT $1, 'bench question ' || i, 'bench' FROM generate_series(0, $2 - 1) i`, [datasetId, questions]);
  const firstQuestion = Number((await one(`SELECT MIN("id") AS id FROM "Question" WHERE "datasetId" = $1`, [datasetId])).id);
  const classRows = CLASSES.map((c, i) => `(${i}, '${c}')`).join(", ");
  await client.query(`INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass")
    SELECT q."id", 'rel-' || c.value, c.value FROM "Question" q JOIN (VALUES ${classRows}) c(key, value)
    ON c.key = q."id" % 4 OR (q."id" % 3 = 0 AND c.key = (q."id" + 1) % 4)
    WHERE q."datasetId" = $1`, [datasetId]);

  await timed("traces", `INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "question", "method", "format", "contentHash", "raw", "stepCount")
    SELECT $1, 'bench-' || i, $2 + i / 50, 'bench question', 'direct', 'canonical', 'h' || i, '{}', ${KINDS.length} FROM generate_series(0, $3 - 1) i`, [datasetId, firstQuestion, options.traces]);
  const kinds = KINDS.map((k, i) => `(${i}, '${k}')`).join(", ");
  const tools = TOOLS.map((x) => `'${x}'`).join(", ");
  await timed("steps", `INSERT INTO "Step" ("traceId", "index", "kind", "tool", "callId", "text")
    SELECT t."id", k.k, k.kind,
      CASE WHEN k.kind = 'tool_call' THEN (ARRAY[${tools}])[((t."id" + k.k) % ${TOOLS.length}) + 1] END,
      CASE WHEN k.kind IN ('tool_call', 'tool_result') THEN 'c' || ((k.k - 1) / 3) END,
      CASE WHEN k.kind IN ('plan', 'reasoning', 'answer') THEN 'bench step' END
    FROM "Trace" t CROSS JOIN (VALUES ${kinds}) k(k, kind) WHERE t."datasetId" = $1 ORDER BY t."id", k.k`, [datasetId]);

  const ruleRows = Object.entries(RULES_BY_KIND).flatMap(([kind, list]) => list.map((rule) => `('${kind}', '${rule}', ${ALL_RULES.indexOf(rule)})`)).join(", ");
  const id8 = `s."id"::bigint`;
  await timed("verdicts", `INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome", "message")
    SELECT $1, s."id", s."traceId", x.rule,
      CASE WHEN x.rule = 'args.refs' AND ${draw(id8, 99)} < 50 THEN 'skip'
           WHEN ${draw(`${id8} * 8 + x.r`, 1)} < 40 + 10 * x.r THEN 'fail' ELSE 'pass' END,
      NULL
    FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" JOIN (VALUES ${ruleRows}) x(kind, rule, r) ON x.kind = s."kind"
    WHERE t."datasetId" = $2 ORDER BY s."id"`, [runId, datasetId]);

  const tally = ALL_RULES.map((rule) => `'${rule}', json_build_array(COUNT(*) FILTER (WHERE v."rule" = '${rule}' AND v."outcome" = 'pass'), COUNT(*) FILTER (WHERE v."rule" = '${rule}' AND v."outcome" = 'fail'), COUNT(*) FILTER (WHERE v."rule" = '${rule}' AND v."outcome" = 'skip'))`).join(", ");
  const fails = `COUNT(*) FILTER (WHERE v."outcome" = 'fail')`;
  await timed("trace scores", `INSERT INTO "TraceScore" ("runId", "traceId", "quality", "valid", "parts")
    SELECT $1, v."traceId", GREATEST(0, 1.0 - 4.0 * ${fails} / COUNT(*)), ${fails} = 0,
      json_build_object('steps', 1.0 - 1.0 * ${fails} / GREATEST(1, COUNT(*) FILTER (WHERE v."outcome" <> 'skip')), 'completeness', NULL, 'final', NULL, 'rules', json_build_object(${tally}))
    FROM "Verdict" v WHERE v."runId" = $1 GROUP BY v."traceId"`, [runId]);
  await timed("trace columns", `UPDATE "Trace" t SET "runId" = $1, "quality" = ts."quality" FROM "TraceScore" ts WHERE ts."runId" = $1 AND ts."traceId" = t."id" AND t."datasetId" = $2`, [runId, datasetId]);

  // the verdict index the label draw needs, before the labels
  const verdictByStep = indexes.find((i) => /"Verdict".*\("runId", "stepId"\)/.test(i.indexdef));
  if (verdictByStep) await client.query(verdictByStep.indexdef);
  const stepLabels = await timed("step labels", `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source")
    SELECT s."traceId", s."id", $1,
      CASE WHEN ${draw(id8, 7)} < 50 THEN 'neutral'
           WHEN EXISTS (SELECT 1 FROM "Verdict" v WHERE v."runId" = $2 AND v."stepId" = s."id" AND v."outcome" = 'fail')
             THEN CASE WHEN ${draw(id8, 8)} < 800 THEN 'reject' ELSE 'accept' END
           ELSE CASE WHEN ${draw(id8, 9)} < 60 THEN 'reject' ELSE 'accept' END END,
      'human'
    FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId"
    WHERE t."datasetId" = $3 AND s."kind" <> 'plan' AND ${draw(id8, 3)} < $4 ORDER BY s."id"`, [userId, runId, datasetId, Math.round(options.stepLabelShare * 1000)]);
  const traceLabels = await timed("trace decisions", `INSERT INTO "Review" ("traceId", "stepId", "userId", "label", "source")
    SELECT t."id", NULL, $1, CASE WHEN ${draw(`t."id"::bigint`, 11)} < 1000 * ts."quality" THEN 'accept' ELSE 'reject' END, 'human'
    FROM "Trace" t JOIN "TraceScore" ts ON ts."traceId" = t."id" AND ts."runId" = $2
    WHERE t."datasetId" = $3 AND ${draw(`t."id"::bigint`, 5)} < $4`, [userId, runId, datasetId, Math.round(options.traceLabelShare * 1000)]);

  for (const index of indexes) {
    if (index === verdictByStep) continue;
    const started = performance.now();
    await client.query(index.indexdef);
    log(`  index ${index.indexname}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const started = performance.now();
  for (const table of [...BULK_TABLES, "Question", "QuestionRelation"]) await client.query(`VACUUM ANALYZE "${table}"`);
  log(`  VACUUM ANALYZE: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const steps = Number((await one(`SELECT COUNT(*) AS n FROM "Step" s JOIN "Trace" t ON t."id" = s."traceId" WHERE t."datasetId" = $1`, [datasetId])).n);
  const verdicts = Number((await one(`SELECT COUNT(*) AS n FROM "Verdict" WHERE "runId" = $1`, [runId])).n);
  await client.query(`UPDATE "VerifierRun" SET "traces" = $1, "steps" = $2, "finishedAt" = CURRENT_TIMESTAMP WHERE "id" = $3`, [options.traces, steps, runId]);
  return { datasetId, datasetName: name, runId, steps, verdicts, stepLabels, traceLabels };
}
