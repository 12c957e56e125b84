// `npm run bench -- review`: the trace page and review actions at 100k traces / 1M steps, and the
// canvas with 1,000 boxes. Latencies are measured client-side against `next start` on a bench
// database; the floor is /api/health on the same server (framework + HTTP, no data) and the raw
// limit is the same read done with better-sqlite3 directly. With BENCH_PG_URL=postgresql://… (a role
// that may create databases) it runs on PostgreSQL instead, at 1M traces / 10M steps
// (bench/review-pg.ts).
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { chromium } from "@playwright/test";
import { deployMigrations } from "../scripts/migrate-core.mjs";
import { benchReviewPostgres, relationDraws } from "./review-pg";
import { startServer } from "./server";

const TRACES = Number(process.env.BENCH_TRACES ?? 100_000);
const STEPS_PER_TRACE = 10;
const BOXES = 1_000;
const PORT = Number(process.env.BENCH_PORT ?? 3190);
const ROOT = path.resolve(import.meta.dirname, "..");
const DIR = path.join(ROOT, ".tmp", "bench-review");

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

export function generate(file: string): { sceneTrace: number; boxTrace: number } {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const started = performance.now();
  const ids = db.transaction(() => {
    db.prepare(`INSERT INTO "Dataset" ("name") VALUES ('bench')`).run();
    const image = db.prepare(`INSERT INTO "Image" ("datasetId", "name", "width", "height") VALUES (1, ?, 480, 320)`);
    const sceneImage = Number(image.run("scene.png").lastInsertRowid);
    const boxImage = Number(image.run("crowd.png").lastInsertRowid);
    const scene = Number(db.prepare(`INSERT INTO "Scene" ("datasetId", "imageId", "name", "relationships") VALUES (1, ?, 'scene.png', ?)`).run(sceneImage, JSON.stringify({ left: Array.from({ length: 10 }, (_, i) => Array.from({ length: i }, (_, j) => j)) })).lastInsertRowid);
    const object = db.prepare(`INSERT INTO "SceneObject" ("sceneId", "index", "color", "size", "shape", "material", "px", "py", "depth") VALUES (?, ?, 'red', 'small', 'cube', 'metal', ?, ?, 10)`);
    for (let i = 0; i < 10; i++) object.run(scene, i, 40 + i * 40, 160);
    const box = db.prepare(`INSERT INTO "Box" ("imageId", "source", "label", "objectIndex", "x", "y", "w", "h", "score") VALUES (?, 'detector:bench', 'thing', ?, ?, ?, 12, 12, 0.9)`);
    for (let i = 0; i < BOXES; i++) box.run(boxImage, i, (i % 40) * 12, Math.floor(i / 40) * 12);
    const trace = db.prepare(`INSERT INTO "Trace" ("datasetId", "externalId", "imageId", "sceneId", "question", "answer", "finalAnswer", "method", "format", "contentHash", "raw", "stepCount", "quality", "valid", "failingRules", "questionId") VALUES (1, ?, ?, ?, ?, '3', '3', ?, 'canonical', ?, '{}', ?, ?, ?, ?, ?)`);
    // a question per trace with 1–3 relation tags, the PostgreSQL bench's skewed classes (RELATION_MIX)
    const question = db.prepare(`INSERT INTO "Question" ("datasetId", "text", "answer", "source") VALUES (1, ?, '3', 'canonical')`);
    const relation = db.prepare(`INSERT INTO "QuestionRelation" ("questionId", "relation", "relationClass") VALUES (?, ?, ?)`);
    const step = db.prepare(`INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const methods = ["direct", "final_answer", "step_level"];
    let first = 0;
    for (let t = 0; t < TRACES; t++) {
      const withBoxes = t === TRACES - 1;
      const q = (t % 97) / 97;
      const questionId = Number(question.run(`How many cubes are left of obj_${t % 10}? #${t}`).lastInsertRowid);
      for (const tag of relationDraws(questionId)) relation.run(questionId, tag.relation, tag.relationClass);
      const id = Number(trace.run(`bench-${t}`, withBoxes ? boxImage : sceneImage, withBoxes ? null : scene, `How many cubes are left of obj_${t % 10}?`, methods[t % 3], `h${t}`, STEPS_PER_TRACE, q, q > 0.5 ? 1 : 0, q > 0.5 ? null : ",result.reexec,", questionId).lastInsertRowid);
      if (t === 0) first = id;
      for (let s = 0; s < STEPS_PER_TRACE; s++) {
        const kind = s === 0 ? "plan" : s === STEPS_PER_TRACE - 1 ? "answer" : s % 3 === 1 ? "tool_call" : s % 3 === 2 ? "tool_result" : "reasoning";
        const call = kind === "tool_call" || kind === "tool_result" ? `c${s}` : null;
        const refs = withBoxes ? JSON.stringify(Array.from({ length: 20 }, (_, k) => (s * 37 + k * 11) % BOXES)) : JSON.stringify([s % 10]);
        step.run(id, s, kind, kind === "tool_call" || kind === "tool_result" ? null : `obj_${s % 10} is left of obj_${(s + 1) % 10}.`, kind === "tool_call" ? "relate" : null, call,
          kind === "tool_call" ? JSON.stringify({ object: `obj_${s % 10}`, relation: "left" }) : null, kind === "tool_result" ? JSON.stringify([`obj_${(s + 1) % 10}`]) : null, refs);
      }
    }
    return { sceneTrace: first + Math.floor(TRACES / 2), boxTrace: first + TRACES - 1 };
  })();
  console.log(`generated ${TRACES.toLocaleString()} traces, ${(TRACES * STEPS_PER_TRACE).toLocaleString()} steps, ${BOXES} boxes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  db.close();
  return ids;
}

async function time(count: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await request(i);
    await response.arrayBuffer();
    if (!response.ok || response.redirected) throw new Error(`HTTP ${response.status}${response.redirected ? ` redirected to ${response.url}` : ""}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

function report(name: string, samples: number[], floor?: number[]): void {
  const p95 = percentile(samples, 95);
  const extra = floor ? `  (floor /api/health p95 ${fmt(percentile(floor, 95))}; p95 − floor ${fmt(p95 - percentile(floor, 95))})` : "";
  console.log(`${name.padEnd(38)} p50 ${fmt(percentile(samples, 50)).padStart(9)}  p95 ${fmt(p95).padStart(9)}  max ${fmt(Math.max(...samples)).padStart(9)}${extra}`);
}

export async function benchReview(): Promise<void> {
  if (process.env.BENCH_PG_URL) return benchReviewPostgres(process.env.BENCH_PG_URL);
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, "stepwise.db");
  await deployMigrations(`file:${file}`);
  const { sceneTrace, boxTrace } = generate(file);
  // loopback only, no sign-in: the bench times the pages, not the sign-in redirect
  const { base, stop } = await startServer(PORT, { DATABASE_URL: `file:${file}`, STEPWISE_DATA_DIR: path.join(DIR, "data"), STEPWISE_AUTH: "off" });
  try {
    const pick = (i: number) => sceneTrace - 5_000 + ((i * 7919) % 10_000);
    await time(20, (i) => fetch(`${base}/traces/${pick(i)}`)); // warm-up: compile caches, page cache
    const floor = await time(200, () => fetch(`${base}/api/health`));

    const raw = new Database(file, { readonly: true });
    const rawSamples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      raw.prepare(`SELECT * FROM "Trace" WHERE "id" = ?`).get(pick(i));
      raw.prepare(`SELECT * FROM "Step" WHERE "traceId" = ? ORDER BY "index"`).all(pick(i));
      raw.prepare(`SELECT * FROM "Box" WHERE "imageId" = (SELECT "imageId" FROM "Trace" WHERE "id" = ?)`).all(pick(i));
      rawSamples.push(performance.now() - started);
    }
    raw.close();

    console.log(`server: next start on ${TRACES.toLocaleString()} traces / ${(TRACES * STEPS_PER_TRACE).toLocaleString()} steps; 200 sequential requests each`);
    report("raw better-sqlite3 read of one trace", rawSamples);
    report("GET /api/health (floor)", floor);
    report("GET /traces/<id> (server-rendered page)", await time(200, (i) => fetch(`${base}/traces/${pick(i)}`)), floor);
    report("GET /api/traces/<id>", await time(200, (i) => fetch(`${base}/api/traces/${pick(i)}`)), floor);

    const labelTargets = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const detail = await (await fetch(`${base}/api/traces/${pick(i + 1000)}`)).json() as { steps: Array<{ id: number; version: number }> };
      return detail.steps[i % STEPS_PER_TRACE];
    }));
    report("POST /api/steps/<id>/label (review action)", await time(200, (i) => fetch(`${base}/api/steps/${labelTargets[i].id}/label`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ label: ["accept", "neutral", "reject"][i % 3], expectedVersion: labelTargets[i].version, timeSpentMs: 1000 }),
    })), floor);
    report("GET /api/traces?dataset&rule (list page)", await time(50, (i) => fetch(`${base}/api/traces?dataset=bench&rule=result.reexec&limit=50${i ? `&cursor=${i * 1000}` : ""}`)), floor);
    report("GET /api/queue/next", await time(50, () => fetch(`${base}/api/queue/next?dataset=bench`)), floor);

    await benchCanvas(`${base}/traces/${boxTrace}`);
  } finally {
    stop();
  }
}

/** Hover a step → its 20 objects highlighted among 1,000 boxes: time until the layer has redrawn. */
async function benchCanvas(url: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.getByTestId("trace-canvas").locator("canvas").first().waitFor();
    const samples = await page.evaluate(async (rounds) => {
      type Layer = { name: () => string; on: (e: string, f: () => void) => void; off: (e: string) => void };
      const stage = (window as unknown as { Konva: { stages: Array<{ getLayers: () => Layer[] }> } }).Konva.stages[0];
      const layer = stage.getLayers().find((l) => l.name() === "focus-layer")!;
      const items = [...document.querySelectorAll<HTMLElement>("li[data-step-index]")];
      const results: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const item = items[i % items.length];
        const drawn = new Promise<number>((resolve) => layer.on("draw.bench", () => resolve(performance.now())));
        const started = performance.now();
        item.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
        const end = await drawn;
        layer.off("draw.bench");
        results.push(end - started);
        item.dispatchEvent(new MouseEvent("mouseout", { bubbles: true }));
        await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
      }
      return results;
    }, 60);
    const boxes = await page.getByTestId("trace-canvas").getAttribute("data-box-count");
    console.log(`canvas with ${boxes} boxes: hover a step → highlight drawn`);
    report("  hover → layer redrawn (in the browser)", samples);
    console.log(`  ${(1000 / percentile(samples, 95)).toFixed(0)} highlight updates/s at p95 (60 Hz frame budget: 16.7 ms)`);
  } finally {
    await browser.close();
  }
}
