// `BENCH_PG_URL=postgresql://… npm run bench -- review`: the trace page and a review action on
// PostgreSQL at 1M traces / 10M steps (issue 17's target: p95 < 100 ms). A fresh database
// (stepwise_bench_review on that server, dropped at the end) is migrated with the PostgreSQL
// migrations and filled server-side with INSERT … SELECT generate_series (no row crosses the
// wire), the same shape as the SQLite review bench (bench/review.ts). Then, 200 sequential calls
// each:
//   - the raw limit: the same three reads over one `pg` connection (trace row, steps, boxes);
//   - through the services in this process (getTrace, listTraces by rule and by quality with keyset
//     cursors, recordStepLabel, nextInQueue; undo of a label, a step edit and a re-run, 100 each) on
//     the app's pool;
//   - through HTTP against `next start` (BENCH_HTTP=0 leaves it out), like the SQLite bench.
// Counts, p50/p95/max and the load average are printed: the machine is shared, say so with the figures;
// the floor (`SELECT 1`, one round trip on one connection) is timed next to them, so the figures can be
// read against the load. BENCH_KEEP=1 keeps the filled database at the end and reuses it on the next
// run (when it holds the same number of traces): before/after runs without refilling (~10 min).
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { deployMigrations } from "../scripts/migrate-core.mjs";
import { startServer } from "./server";

const TRACES = Number(process.env.BENCH_TRACES ?? 1_000_000);
const STEPS_PER_TRACE = 10;
const BOXES = 1_000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
/** Undo, edit and re-run: each sample writes revisions and re-verifies, so fewer of them. */
const ACTIONS = Math.min(SAMPLES, 100);
const PORT = Number(process.env.BENCH_PORT ?? 3190);
const DATABASE = "stepwise_bench_review";
const KEEP = process.env.BENCH_KEEP === "1";
/** Traces per INSERT … SELECT (each its own statement, so progress shows and no transaction is huge). */
const FILL_CHUNK = 100_000;
const ROOT = path.resolve(import.meta.dirname, "..");

const load = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} (1 / 5 / 15 min, ${os.cpus().length} cores)`;
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(name: string, samples: number[], floor?: number[]): void {
  const p95 = percentile(samples, 95);
  const extra = floor ? `  (floor p95 ${fmt(percentile(floor, 95))})` : "";
  console.log(`${name.padEnd(44)} p50 ${fmt(percentile(samples, 50)).padStart(9)}  p95 ${fmt(p95).padStart(9)}  max ${fmt(Math.max(...samples)).padStart(9)}${extra}`);
}

async function timed(count: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Relations of the bench's questions, per mille of relation draws: projective 50 %, topological
 * 30 %, metric 15 %, comparison 4.8 %, orientation 0.2 % (the rare class: ~0.4 % of traces).
 */
export const RELATION_MIX: Array<[upTo: number, relationClass: string, relations: string[]]> = [
  [500, "projective", ["left", "right", "front", "behind"]],
  [800, "topological", ["on", "in", "touching", "between"]],
  [950, "metric", ["near", "far", "next_to"]],
  [998, "comparison", ["larger", "smaller", "taller"]],
  [1000, "orientation", ["facing", "pointing"]],
];

/** The relation tags of question `id` (1 + id % 3 draws, repeats dropped): what fillQuestions's SQL draws, for the SQLite bench. */
export function relationDraws(id: number): Array<{ relation: string; relationClass: string }> {
  const tags = new Map<string, string>();
  for (let j = 0; j <= id % 3; j++) {
    const u = (id * 2654435761 + j * 40503) % 1000;
    const [, relationClass, relations] = RELATION_MIX.find(([upTo]) => u < upTo)!;
    const relation = relations[(id + j) % relations.length];
    if (!tags.has(relation)) tags.set(relation, relationClass);
  }
  return [...tags].map(([relation, relationClass]) => ({ relation, relationClass }));
}

/** One question per trace to come (ids contiguous from the returned first), each with 1–3 QuestionRelation rows. */
async function fillQuestions(c: pg.Client, dataset: number): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < TRACES; from += FILL_CHUNK) {
    const to = Math.min(TRACES, from + FILL_CHUNK) - 1;
    await c.query(
      `INSERT INTO "Question" ("datasetId", "text", "answer", "source") SELECT $1, 'How many cubes are left of obj_' || (t % 10) || '? #' || t, '3', 'canonical' FROM generate_series($2::int, $3::int) t ORDER BY t`,
      [dataset, from, to],
    );
  }
  const first = (await c.query(`SELECT MIN("id") AS first, COUNT(*)::int AS n FROM "Question" WHERE "datasetId" = $1`, [dataset])).rows[0] as { first: number; n: number };
  // draw u in [0, 1000) per (question, slot) from a multiplicative hash; 1 + q % 3 slots per question
  const draw = `((q."id" * 2654435761 + j * 40503) % 1000)`;
  const pickOf = (column: "relation" | "class") =>
    `CASE ${RELATION_MIX.map(([upTo, relationClass, relations]) => `WHEN ${draw} < ${upTo} THEN ${column === "class" ? `'${relationClass}'` : `(ARRAY[${relations.map((r) => `'${r}'`).join(", ")}])[(q."id" + j) % ${relations.length} + 1]`}`).join(" ")} END`;
  for (let from = first.first; from < first.first + first.n; from += FILL_CHUNK) {
    await c.query(
      `INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass")
       SELECT q."id", ${pickOf("relation")}, ${pickOf("class")}
       FROM "Question" q CROSS JOIN generate_series(0, 2) j
       WHERE q."id" >= $1 AND q."id" < $1 + ${FILL_CHUNK} AND q."datasetId" = $2 AND j <= q."id" % 3
       ON CONFLICT ("questionId", "relation") DO NOTHING`,
      [from, dataset],
    );
  }
  const classes = (await c.query(`SELECT "relationClass" AS c, COUNT(DISTINCT "questionId")::int AS n FROM "QuestionRelation" GROUP BY 1 ORDER BY 2 DESC`)).rows as Array<{ c: string; n: number }>;
  console.log(`  questions: ${first.n.toLocaleString()} in ${((performance.now() - started) / 1000).toFixed(1)} s; questions per class: ${classes.map((r) => `${r.c} ${r.n.toLocaleString()}`).join(", ")}`);
  return first.first;
}

/** Fills the bench database server-side; returns the ids the measurements pick from. */
async function fill(url: string): Promise<{ first: number; sceneTrace: number; boxTrace: number }> {
  return admin(url, async (c) => {
    const started = performance.now();
    await c.query(`SET synchronous_commit = off`);
    const dataset = (await c.query(`INSERT INTO "Dataset" ("name") VALUES ('bench') RETURNING "id"`)).rows[0].id as number;
    const image = async (name: string) => (await c.query(`INSERT INTO "Image" ("datasetId", "name", "width", "height") VALUES ($1, $2, 480, 320) RETURNING "id"`, [dataset, name])).rows[0].id as number;
    const sceneImage = await image("scene.png");
    const boxImage = await image("crowd.png");
    const relationships = JSON.stringify({ left: Array.from({ length: 10 }, (_, i) => Array.from({ length: i }, (_, j) => j)) });
    const scene = (await c.query(`INSERT INTO "Scene" ("datasetId", "imageId", "name", "relationships") VALUES ($1, $2, 'scene.png', $3) RETURNING "id"`, [dataset, sceneImage, relationships])).rows[0].id as number;
    await c.query(
      `INSERT INTO "SceneObject" ("sceneId", "index", "color", "size", "shape", "material", "px", "py", "depth")
       SELECT $1, i, 'red', 'small', 'cube', 'metal', 40 + i * 40, 160, 10 FROM generate_series(0, 9) i`,
      [scene],
    );
    await c.query(
      `INSERT INTO "Box" ("imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score")
       SELECT $1, 'detector:bench', 'thing', i, (i % 40) * 12, (i / 40) * 12, 12, 12, 0.9 FROM generate_series(0, $2 - 1) i`,
      [boxImage, BOXES],
    );
    // a question per trace (as CLEVR, SpaRE and GQA have), tagged with 1–3 relations whose classes
    // are skewed like real data: projective common, orientation rare (RELATION_MIX)
    const questionsFirst = await fillQuestions(c, dataset);
    // quality (t % 97) / 97, valid above 0.5, the failing rule below — as in bench/review.ts
    for (let from = 0; from < TRACES; from += FILL_CHUNK) {
      const to = Math.min(TRACES, from + FILL_CHUNK) - 1;
      await c.query(
        `INSERT INTO "Trace" ("datasetId", "externalId", "imageId", "sceneId", "question", "answer", "finalAnswer", "method", "format", "contentHash", "raw", "stepCount", "quality", "valid", "failingRules", "questionId")
         SELECT $1, 'bench-' || t, CASE WHEN t = $5 - 1 THEN $3::int ELSE $2::int END, CASE WHEN t = $5 - 1 THEN NULL ELSE $4::int END,
                'How many cubes are left of obj_' || (t % 10) || '?', '3', '3', (ARRAY['direct', 'final_answer', 'step_level'])[t % 3 + 1], 'canonical', 'h' || t, '{}', ${STEPS_PER_TRACE},
                (t % 97) / 97.0, (t % 97) / 97.0 > 0.5, CASE WHEN (t % 97) / 97.0 > 0.5 THEN NULL ELSE ',result.reexec,' END, $8::int + t
         FROM generate_series($6::int, $7::int) t ORDER BY t`,
        [dataset, sceneImage, boxImage, scene, TRACES, from, to, questionsFirst],
      );
    }
    const { first, last } = (await c.query(`SELECT MIN("id") AS first, MAX("id") AS last FROM "Trace" WHERE "datasetId" = $1`, [dataset])).rows[0] as { first: number; last: number };
    console.log(`  traces: ${TRACES.toLocaleString()} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const kind = `CASE WHEN s = 0 THEN 'plan' WHEN s = ${STEPS_PER_TRACE - 1} THEN 'answer' WHEN s % 3 = 1 THEN 'tool_call' WHEN s % 3 = 2 THEN 'tool_result' ELSE 'reasoning' END`;
    const stepsStarted = performance.now();
    for (let from = first; from <= last; from += FILL_CHUNK) {
      await c.query(
        `INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs")
         SELECT t."id", s, ${kind},
                CASE WHEN s % 3 IN (1, 2) AND s NOT IN (0, ${STEPS_PER_TRACE - 1}) THEN NULL ELSE 'obj_' || (s % 10) || ' is left of obj_' || ((s + 1) % 10) || '.' END,
                CASE WHEN s % 3 = 1 AND s NOT IN (0, ${STEPS_PER_TRACE - 1}) THEN 'relate' END,
                CASE WHEN s % 3 IN (1, 2) AND s NOT IN (0, ${STEPS_PER_TRACE - 1}) THEN 'c' || s END,
                CASE WHEN s % 3 = 1 AND s NOT IN (0, ${STEPS_PER_TRACE - 1}) THEN jsonb_build_object('object', 'obj_' || (s % 10), 'relation', 'left') END,
                CASE WHEN s % 3 = 2 AND s NOT IN (0, ${STEPS_PER_TRACE - 1}) THEN jsonb_build_array('obj_' || ((s + 1) % 10)) END,
                CASE WHEN t."id" = $2 THEN (SELECT '[' || string_agg(((s * 37 + k * 11) % ${BOXES})::text, ',' ORDER BY k) || ']' FROM generate_series(0, 19) k) ELSE '[' || (s % 10) || ']' END
         FROM "Trace" t CROSS JOIN generate_series(0, ${STEPS_PER_TRACE - 1}) s
         WHERE t."id" >= $1 AND t."id" < $1 + ${FILL_CHUNK} AND t."datasetId" = $3 ORDER BY t."id", s`,
        [from, last, dataset],
      );
      const done = Math.min(last, from + FILL_CHUNK - 1) - first + 1;
      if (done % 500_000 === 0 || from + FILL_CHUNK > last) console.log(`  steps: ${(done * STEPS_PER_TRACE).toLocaleString()} after ${((performance.now() - stepsStarted) / 1000).toFixed(0)} s; ${load()}`);
    }
    await c.query(`ANALYZE`);
    const counts = (await c.query(`SELECT (SELECT COUNT(*) FROM "Trace") AS traces, (SELECT COUNT(*) FROM "Step") AS steps, (SELECT COUNT(*) FROM "Box") AS boxes, pg_size_pretty(pg_database_size(current_database())) AS size`)).rows[0] as { traces: string; steps: string; boxes: string; size: string };
    console.log(`filled ${Number(counts.traces).toLocaleString()} traces, ${Number(counts.steps).toLocaleString()} steps, ${counts.boxes} boxes (${counts.size}) in ${((performance.now() - started) / 1000).toFixed(1)} s; ${load()}`);
    return { first, sceneTrace: first + Math.floor(TRACES / 2), boxTrace: last };
  });
}

/** A kept database filled by an earlier run with the same TRACES: its ids, else null (filled again). */
async function filled(url: string): Promise<{ first: number; sceneTrace: number; boxTrace: number } | null> {
  return admin(url, async (c) => {
    const row = (await c.query(`SELECT COUNT(*)::int AS n, MIN("id") AS first, MAX("id") AS last FROM "Trace"`).catch(() => ({ rows: [{ n: -1 }] }))).rows[0] as { n: number; first: number; last: number };
    if (row.n !== TRACES) return null;
    console.log(`reusing ${DATABASE}: ${row.n.toLocaleString()} traces (BENCH_KEEP=1)`);
    return { first: row.first, sceneTrace: row.first + Math.floor(TRACES / 2), boxTrace: row.last };
  });
}

export async function benchReviewPostgres(adminUrl: string): Promise<void> {
  const url = withDatabase(adminUrl, DATABASE);
  console.log(`PostgreSQL: ${TRACES.toLocaleString()} traces / ${(TRACES * STEPS_PER_TRACE).toLocaleString()} steps in database ${DATABASE}; ${load()}`);
  // the app's build (when the sources changed) runs while the database fills: both take minutes
  const build =
    process.env.BENCH_HTTP === "0"
      ? Promise.resolve(0)
      : new Promise<number>((resolve) => spawn(process.execPath, [path.join(ROOT, "scripts", "build-if-needed.mjs")], { cwd: ROOT, stdio: "inherit" }).on("exit", (code) => resolve(code ?? 1)));
  const reused = await admin(adminUrl, async (c) => {
    const kept = KEEP && (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DATABASE])).rowCount ? await filled(url) : null;
    if (kept) return kept;
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${DATABASE}`);
    return null;
  });
  try {
    await deployMigrations(url);
    const { sceneTrace, boxTrace } = reused ?? (await fill(url));
    const pick = (i: number) => sceneTrace - 5_000 + ((i * 7919) % 10_000);

    // the floor (one round trip) and the raw limit (the page's three main reads) over one connection
    const [floor, raw] = await admin(url, async (c) => [
      await timed(SAMPLES, () => c.query(`SELECT 1`)),
      await timed(SAMPLES, async (i) => {
        await c.query(`SELECT * FROM "Trace" WHERE "id" = $1`, [pick(i)]);
        await c.query(`SELECT * FROM "Step" WHERE "traceId" = $1 ORDER BY "index"`, [pick(i)]);
        await c.query(`SELECT * FROM "Box" WHERE "imageId" = (SELECT "imageId" FROM "Trace" WHERE "id" = $1)`, [pick(i)]);
      }),
    ]);

    // through the services, in this process, on the app's pool
    process.env.DATABASE_URL = url;
    const { getTrace } = await import("../lib/services/traces/traces");
    const { listTraces } = await import("../lib/services/traces/trace-list");
    const { recordStepLabel, undoLastAction, editStep, rerunStep } = await import("../lib/services/review/reviews");
    const { nextInQueue } = await import("../lib/services/traces/trace-list");
    const { db, disconnect, pgPool } = await import("../lib/db");
    await db().user.upsert({ where: { name: "bench" }, create: { name: "bench", role: "reviewer" }, update: {} });
    try {
      await timed(20, (i) => getTrace(pick(i))); // warm-up: pool, plans
      console.log(`services in-process (${SAMPLES} sequential calls each; list pages: 50 rows, cursors across the dataset); ${load()}`);
      report("raw pg: SELECT 1 (floor: one round trip)", floor);
      report("raw pg: trace + steps + boxes", raw);
      report("getTrace (the trace page's read)", await timed(SAMPLES, (i) => getTrace(pick(i))));
      report("getTrace, the 1,000-box trace", await timed(50, () => getTrace(boxTrace)));
      report("listTraces rule=result.reexec, id keyset", await timed(50, (i) => listTraces({ dataset: "bench", rule: "result.reexec", limit: 50, sort: "id", cursor: i ? sceneTrace - 400_000 + i * 16_000 : undefined })));
      report("listTraces sort=-quality, (quality, id) keyset", await timed(50, (i) => listTraces({ dataset: "bench", limit: 50, sort: "-quality", cursor: i ? sceneTrace - 400_000 + i * 16_000 : undefined })));
      const targets = await Promise.all(Array.from({ length: SAMPLES }, async (_, i) => (await getTrace(pick(i + 1000)).then((t) => t.steps[i % STEPS_PER_TRACE]))));
      report("recordStepLabel (review action)", await timed(SAMPLES, (i) => recordStepLabel(targets[i].id, { label: (["accept", "neutral", "reject"] as const)[i % 3], expectedVersion: targets[i].version, stopAtFirstError: false, timeSpentMs: 1000, user: "bench" })));
      report("nextInQueue (the queue's next trace)", await timed(SAMPLES, () => nextInQueue({ dataset: "bench", user: "bench" })));
      // undo, edit and re-run: the other review actions, each on its own traces (steps 3: reasoning, 1: a tool call)
      const stepOf = async (offset: number, index: number) => Promise.all(Array.from({ length: ACTIONS }, async (_, i) => ({ ...(await getTrace(pick(i + offset))).steps[index], traceId: pick(i + offset) })));
      const labelled = await stepOf(2000, 3);
      const undo: number[] = [];
      for (const step of labelled) {
        await recordStepLabel(step.id, { label: "reject", expectedVersion: step.version, stopAtFirstError: false, timeSpentMs: 1000, user: "bench" });
        undo.push((await timed(1, () => undoLastAction({ user: "bench", traceId: step.traceId })))[0]);
      }
      report("undoLastAction (undo a label)", undo);
      const edited = await stepOf(4000, 3);
      report("editStep (a reasoning step's text)", await timed(ACTIONS, (i) => editStep(edited[i].id, { expectedVersion: edited[i].version, text: `edited ${i}`, user: "bench" })));
      const calls = await stepOf(5000, 1);
      report("rerunStep (a tool call on the scene)", await timed(ACTIONS, (i) => rerunStep(calls[i].id, { expectedVersion: calls[i].version, user: "bench" })));
      report("app pool: SELECT 1 (floor, after the action)", await timed(SAMPLES, () => pgPool().query(`SELECT 1`)));
    } finally {
      await disconnect();
    }

    if (process.env.BENCH_HTTP === "0") {
      console.log("HTTP: left out (BENCH_HTTP=0)");
      return;
    }
    if ((await build) !== 0) throw new Error("next build failed (see above)");
    const { base, stop } = await startServer(PORT, { DATABASE_URL: url, STEPWISE_DATA_DIR: path.join(ROOT, ".tmp", "bench-review-pg"), STEPWISE_SEED: "0", STEPWISE_AUTH: "off" });
    try {
      const get = (p: string) => async () => {
        const response = await fetch(`${base}${p}`);
        await response.arrayBuffer();
        // a redirect (to sign-in) would time another page than the one named
        if (!response.ok || response.redirected) throw new Error(`HTTP ${response.status}${response.redirected ? ` redirected to ${response.url}` : ""} on ${p}`);
      };
      await timed(20, (i) => get(`/traces/${pick(i)}`)());
      const floor = await timed(SAMPLES, get("/api/health"));
      console.log(`HTTP: next start on PostgreSQL (${SAMPLES} sequential requests each); ${load()}`);
      report("GET /api/health (floor)", floor);
      report("GET /traces/<id> (server-rendered page)", await timed(SAMPLES, (i) => get(`/traces/${pick(i)}`)()), floor);
      report("GET /api/traces/<id>", await timed(SAMPLES, (i) => get(`/api/traces/${pick(i)}`)()), floor);
      const targets = await Promise.all(Array.from({ length: SAMPLES }, async (_, i) => ((await (await fetch(`${base}/api/traces/${pick(i + 3000)}`)).json()) as { steps: Array<{ id: number; version: number }> }).steps[i % STEPS_PER_TRACE]));
      report("POST /api/steps/<id>/label (review action)", await timed(SAMPLES, async (i) => {
        const response = await fetch(`${base}/api/steps/${targets[i].id}/label`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ label: ["accept", "neutral", "reject"][i % 3], expectedVersion: targets[i].version, timeSpentMs: 1000 }),
        });
        await response.arrayBuffer();
        if (!response.ok || response.redirected) throw new Error(`HTTP ${response.status} on label`);
      }), floor);
      report("GET /api/traces?dataset&rule (list page)", await timed(50, (i) => get(`/api/traces?dataset=bench&rule=result.reexec&limit=50${i ? `&cursor=${sceneTrace - 400_000 + i * 16_000}` : ""}`)()), floor);
      report("GET /api/queue/next", await timed(SAMPLES, get("/api/queue/next?dataset=bench")), floor);
      const post = async (p: string, body: unknown) => {
        const response = await fetch(`${base}${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        await response.arrayBuffer();
        if (!response.ok || response.redirected) throw new Error(`HTTP ${response.status} on ${p}`);
      };
      const stepOf = (offset: number, index: number) =>
        Promise.all(Array.from({ length: ACTIONS }, async (_, i) => ({ ...((await (await fetch(`${base}/api/traces/${pick(i + offset)}`)).json()) as { steps: Array<{ id: number; version: number }> }).steps[index], traceId: pick(i + offset) })));
      const undo: number[] = [];
      for (const step of await stepOf(6000, 3)) {
        await post(`/api/steps/${step.id}/label`, { label: "reject", expectedVersion: step.version, timeSpentMs: 1000 });
        undo.push((await timed(1, () => post("/api/reviews/undo", { traceId: step.traceId })))[0]);
      }
      report("POST /api/reviews/undo (undo a label)", undo, floor);
      const edited = await stepOf(7000, 3);
      report("POST /api/steps/<id>/edit", await timed(ACTIONS, (i) => post(`/api/steps/${edited[i].id}/edit`, { expectedVersion: edited[i].version, text: `edited ${i}` })), floor);
      const calls = await stepOf(8000, 1);
      report("POST /api/steps/<id>/rerun", await timed(ACTIONS, (i) => post(`/api/steps/${calls[i].id}/rerun`, { expectedVersion: calls[i].version })), floor);
    } finally {
      stop();
    }
  } finally {
    // the bench database is several GB: dropped unless kept for the next run
    if (KEEP) console.log(`kept ${DATABASE} (BENCH_KEEP=1; drop it when done); ${load()}`);
    else {
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
      console.log(`dropped ${DATABASE}; ${load()}`);
    }
  }
}
