// `npm run bench -- import [--traces=N] [--runs=R]`: generates N canonical traces (default 20,000,
// eleven steps each ≈ 220,000 steps), imports them with `importFiles` into a fresh database, then
// inserts the very same rows with raw better-sqlite3 prepared statements in one transaction into
// another fresh database. Prints both throughputs and their ratio (target ≥ 0.5) per run and the
// median over R runs (default 3: the machine's two cores are shared, single runs are noisy), and
// the import's peak RSS (first run).
//
// PostgreSQL (`--postgres`, or DATABASE_URL=postgresql://…: a server URL whose role may create
// databases; the bench makes and drops its own): the import into a fresh database, then the very
// rows it wrote (read back, outside any timing) sent raw into two more fresh databases — once by
// COPY FROM STDIN (pg-copy-streams, one COPY per table in one transaction: the raw limit the
// import is compared with) and once by INSERT … SELECT FROM UNNEST (the statement the import's
// bulk path sends, lib/services/import/import-bulk.ts) — with both ratios.
import fs from "node:fs";
import os from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import path from "node:path";
import Database from "better-sqlite3";
import { deployMigrations } from "../scripts/migrate-core.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const IMAGES = path.join(ROOT, "prisma/demo/clevr");
const IMAGE_NAMES = ["CLEVR_train_000781.png", "CLEVR_train_000852.png", "CLEVR_train_000588.png", "CLEVR_train_000335.png", "CLEVR_train_000845.png"];
const COLORS = ["gray", "red", "blue", "green", "brown", "purple", "cyan", "yellow"];
const SHAPES = ["cube", "sphere", "cylinder"];
const RELATIONS = ["left", "right", "front", "behind"];

function argument(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given ? Number(given.split("=")[1]) : fallback;
}

/** A realistic ten-step trace: plan, detect, relate, filter, count, reasoning, answer. */
export function trace(n: number): string {
  const image = IMAGE_NAMES[n % IMAGE_NAMES.length];
  const color = COLORS[n % COLORS.length];
  const shape = SHAPES[n % SHAPES.length];
  const relation = RELATIONS[n % RELATIONS.length];
  const anchor = n % 10;
  const found = [(anchor + 1) % 10, (anchor + 3) % 10, (anchor + 6) % 10].map((i) => `obj_${i}`);
  const kept = found.slice(0, 1 + (n % 3));
  const question = `How many ${shape}s are ${relation} of the ${color} thing? (#${Math.floor(n / 4)})`;
  return JSON.stringify({
    schema: "stepwise.trace/v1",
    id: `bench-${String(n).padStart(6, "0")}`,
    image,
    question,
    answer: String(kept.length),
    teacher: { model: "gpt-4o", params: { temperature: 0.7, seed: n } },
    method: ["direct", "verifier_resample", "best_of_n"][n % 3],
    steps: [
      { kind: "plan", text: `Find the ${color} thing, then the ${shape}s ${relation} of it, then count them.` },
      { kind: "tool_call", id: "c1", tool: "detect", args: { query: `${color} thing` } },
      { kind: "tool_result", call: "c1", output: [{ id: `obj_${anchor}`, label: shape, box: [100 + anchor * 20, 90 + anchor * 5, 40, 42], score: 0.97 }] },
      { kind: "tool_call", id: "c2", tool: "relate", args: { object: `obj_${anchor}`, relation } },
      { kind: "tool_result", call: "c2", output: found },
      { kind: "tool_call", id: "c3", tool: "filter", args: { objects: found, attribute: "shape", value: shape } },
      { kind: "tool_result", call: "c3", output: kept },
      { kind: "tool_call", id: "c4", tool: "count", args: { objects: kept } },
      { kind: "tool_result", call: "c4", output: kept.length },
      { kind: "reasoning", text: `${kept.join(" and ")} ${kept.length === 1 ? "is a" : "are"} ${shape} ${relation} of obj_${anchor}, so there are ${kept.length}.` },
      { kind: "answer", text: String(kept.length) },
    ],
  });
}

async function freshDatabase(dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.db`);
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
  await deployMigrations(`file:${file}`);
  return file;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function runOurs(dir: string, input: string): Promise<{ seconds: number; rows: number; created: Record<string, number>; peakRss: number; rssBefore: number; file: string }> {
  const ours = await freshDatabase(dir, "ours");
  fs.rmSync(path.join(dir, "data"), { recursive: true, force: true });
  process.env.DATABASE_URL = `file:${ours}`;
  process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
  const { importFiles } = await import("../lib/services/import/imports");
  const { sqlite, disconnect } = await import("../lib/db");
  await sqlite(); // open the connection outside the timing, as a running server has it open
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const summary = await importFiles({ files: [input], dataset: "bench", images: [IMAGES], source: "cli" });
  const seconds = (performance.now() - started) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await disconnect();
  const c = summary.created;
  return { seconds, rows: 2 + c.images + c.questions + c.traces + c.steps, created: { ...c }, peakRss, rssBefore, file: ours }; // + dataset + history row
}

interface RawRows {
  images: unknown[][];
  questions: string[][];
  traces: unknown[][];
  steps: unknown[][][];
}

/** The rows our import wrote, rebuilt from the input outside any timing. */
async function rawRows(input: string, oursFile: string): Promise<RawRows> {
  const { contentHash } = await import("../lib/formats/hash");
  const { stepRefs } = await import("../lib/tools/refs");
  const ourDb = new Database(oursFile, { readonly: true });
  const images = ourDb.prepare(`SELECT "name", "sha256", "path", "url", "width", "height", "mime" FROM "Image" ORDER BY "id"`).raw().all() as unknown[][];
  ourDb.close();
  const lines = fs.readFileSync(input, "utf8").split("\n").filter(Boolean);
  const questions = new Map<string, number>();
  const traces: unknown[][] = [];
  const steps: unknown[][][] = [];
  for (const line of lines) {
    const t = JSON.parse(line);
    const imageId = IMAGE_NAMES.indexOf(t.image) + 1;
    const key = `${imageId}\u0000${t.question}`;
    if (!questions.has(key)) questions.set(key, questions.size + 1);
    traces.push([1, t.id, questions.get(key), imageId, null, t.question, t.answer, t.steps.at(-1).text, t.teacher.model, JSON.stringify(t.teacher.params), t.method, "canonical", contentHash(line), line, t.steps.length, null]);
    steps.push(t.steps.map((s: Record<string, unknown>, index: number) => {
      const refs = stepRefs({ kind: s.kind as string, text: (s.text as string) ?? null, tool: (s.tool as string) ?? null, args: s.args, result: s.output });
      return [index, s.kind, s.text ?? null, s.tool ?? null, s.id ?? s.call ?? null, s.args ? JSON.stringify(s.args) : null, "output" in s ? JSON.stringify(s.output) : null, refs.length ? JSON.stringify(refs) : null];
    }));
  }
  return { images, questions: [...questions.keys()].map((k) => k.split("\u0000")), traces, steps };
}

async function runRaw(dir: string, rows: RawRows): Promise<{ seconds: number; rows: number }> {
  const rawFile = await freshDatabase(dir, "raw");
  const raw = new Database(rawFile);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.pragma("foreign_keys = ON");
  const insertDataset = raw.prepare(`INSERT INTO "Dataset" ("name") VALUES (?)`);
  const insertImage = raw.prepare(`INSERT INTO "Image" ("datasetId", "name", "sha256", "path", "url", "width", "height", "mime") VALUES (1, ?, ?, ?, ?, ?, ?, ?)`);
  const insertQuestion = raw.prepare(`INSERT INTO "Question" ("datasetId", "imageId", "externalId", "text", "answer", "program", "source") VALUES (1, ?, NULL, ?, NULL, NULL, 'canonical')`);
  const insertTrace = raw.prepare(`INSERT INTO "Trace" ("datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount", "decision") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertStep = raw.prepare(`INSERT INTO "Step" ("traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertHistory = raw.prepare(`INSERT INTO "Import" ("datasetId", "datasetName", "files", "status") VALUES (1, 'bench', '[]', 'done')`);
  const started = performance.now();
  raw.transaction(() => {
    insertDataset.run("bench");
    for (const image of rows.images) insertImage.run(...image);
    for (const [imageId, text] of rows.questions) insertQuestion.run(Number(imageId), text);
    for (let i = 0; i < rows.traces.length; i++) {
      const traceId = Number(insertTrace.run(...rows.traces[i]).lastInsertRowid);
      for (const step of rows.steps[i]) insertStep.run(traceId, ...step);
    }
    insertHistory.run();
  }).immediate();
  const seconds = (performance.now() - started) / 1000;
  raw.close();
  return { seconds, rows: 2 + rows.images.length + rows.questions.length + rows.traces.length + rows.steps.reduce((sum, s) => sum + s.length, 0) };
}

export async function benchImport(): Promise<void> {
  if (process.argv.includes("--postgres") || /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "")) return benchImportPostgres();
  const count = argument("traces", 20_000);
  const runs = argument("runs", 3);
  const dir = path.join(ROOT, ".tmp", "bench", "import");
  const { input, bytes } = writeInput(dir, count);

  let rows: RawRows | null = null;
  const ratios: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const ours = await runOurs(dir, input);
    if (run === 1) {
      console.log(`created: ${JSON.stringify(ours.created)} (${ours.rows.toLocaleString("en-US")} rows)`);
      console.log(`memory: RSS before the import ${mb(ours.rssBefore)}, peak during it ${mb(ours.peakRss)} (+${mb(ours.peakRss - ours.rssBefore)}), input ${mb(bytes)}`);
    }
    rows ??= await rawRows(input, ours.file);
    const raw = await runRaw(dir, rows);
    if (raw.rows !== ours.rows) throw new Error(`raw inserted ${raw.rows} rows, the import ${ours.rows}`);
    const ourRate = ours.rows / ours.seconds;
    const rawRate = raw.rows / raw.seconds;
    ratios.push(ourRate / rawRate);
    console.log(
      `run ${run}: ours ${ours.seconds.toFixed(2)} s (${Math.round(ourRate).toLocaleString("en-US")} rows/s, ${Math.round(ours.created.steps / ours.seconds).toLocaleString("en-US")} steps/s, read + validate + write from the file); ` +
        `raw ${raw.seconds.toFixed(2)} s (${Math.round(rawRate).toLocaleString("en-US")} rows/s, prepared inserts of pre-built rows); ratio ${(ourRate / rawRate).toFixed(2)}`,
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`ratio ours/raw, median of ${runs}: ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} (target ≥ 0.50; min ${sorted[0].toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)})`);
}

function writeInput(dir: string, count: number): { input: string; bytes: number } {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, "traces.jsonl");
  const out = fs.openSync(input, "w");
  for (let n = 0; n < count; n++) fs.writeSync(out, `${trace(n)}\n`);
  fs.closeSync(out);
  const bytes = fs.statSync(input).size;
  console.log(`input: ${count.toLocaleString("en-US")} traces, ${mb(bytes)} (${input})`);
  return { input, bytes };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** The tables and columns the import fills for this input, parents first (ids included: the rows are the same rows). */
const PG_TABLES: Array<[string, string[]]> = [
  ["Dataset", ["id", "name", "importId"]],
  ["Image", ["id", "datasetId", "name", "sha256", "path", "url", "width", "height", "mime", "importId"]],
  ["Question", ["id", "datasetId", "imageId", "externalId", "text", "answer", "program", "source", "answerUnreliable", "importId"]],
  ["QuestionRelation", ["id", "questionId", "relation", "relationClass"]],
  ["Trace", ["id", "datasetId", "externalId", "questionId", "imageId", "sceneId", "question", "answer", "finalAnswer", "teacherModel", "teacherParams", "method", "format", "contentHash", "raw", "stepCount", "decision", "answerUnreliable", "importId"]],
  ["Step", ["id", "traceId", "index", "kind", "text", "tool", "callId", "args", "result", "refs"]],
];

type TextRow = Array<string | null>;

/** Every value as PostgreSQL's text (no parsing): what COPY and UNNEST take. */
const asText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The PostgreSQL server a `--postgres` bench creates its databases on. */
export function benchPgServer(): string {
  const server = process.env.STEPWISE_BENCH_PG_URL ?? process.env.DATABASE_URL;
  if (!server || !/^postgres(ql)?:\/\//.test(server)) throw new Error("--postgres needs DATABASE_URL (or STEPWISE_BENCH_PG_URL) = postgresql://… of a role that may create databases");
  return server;
}

/** A new, migrated database `name` on the server (dropped first when it exists); returns its URL. */
export async function freshPgDatabase(server: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(server, name);
  await deployMigrations(url);
  return url;
}

export async function dropPgDatabase(server: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
}

/** COPY's text format: tab-separated, \N for NULL, backslash escapes. */
function copyLine(row: TextRow): string {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    if (i) line += "\t";
    line += value === null ? "\\N" : value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
  }
  return `${line}\n`;
}

function* copyChunks(rows: TextRow[]): Generator<string> {
  let chunk = "";
  for (const row of rows) {
    chunk += copyLine(row);
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");

/** Raw COPY of the rows into a fresh database, one transaction; returns seconds. */
async function rawCopy(url: string, rows: Map<string, TextRow[]>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  await client.query("BEGIN");
  for (const [table, columns] of PG_TABLES) {
    const stream = client.query(copyFrom(`COPY "${table}" (${quoted(columns)}) FROM STDIN`));
    await pipeline(Readable.from(copyChunks(rows.get(table)!)), stream);
  }
  await client.query(`INSERT INTO "Import" ("datasetId", "datasetName", "files", "status") VALUES (1, 'bench', '[]', 'done')`);
  await client.query("COMMIT");
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

/** Raw INSERT … SELECT FROM UNNEST of the same rows (≤ 20,000 rows a statement), one transaction; returns seconds. */
async function rawUnnest(url: string, rows: Map<string, TextRow[]>): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const types = new Map<string, string>();
  for (const r of (await client.query(`SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public'`)).rows) types.set(`${r.table_name}.${r.column_name}`, r.udt_name);
  const started = performance.now();
  await client.query("BEGIN");
  for (const [table, columns] of PG_TABLES) {
    const text = `INSERT INTO "${table}" (${quoted(columns)}) SELECT * FROM UNNEST(${columns.map((c, i) => `$${i + 1}::${types.get(`${table}.${c}`)}[]`).join(", ")})`;
    const all = rows.get(table)!;
    for (let start = 0; start < all.length; start += 20_000) {
      const part = all.slice(start, start + 20_000);
      await client.query(text, columns.map((_, c) => part.map((row) => row[c])));
    }
  }
  await client.query(`INSERT INTO "Import" ("datasetId", "datasetName", "files", "status") VALUES (1, 'bench', '[]', 'done')`);
  await client.query("COMMIT");
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

async function benchImportPostgres(): Promise<void> {
  const server = benchPgServer();
  const count = argument("traces", 20_000);
  const runs = argument("runs", 3);
  const dir = path.join(ROOT, ".tmp", "bench", "import-pg");
  const { input } = writeInput(dir, count);
  const load = () => os.loadavg().map((n) => n.toFixed(1)).join(" ");
  const copyRatios: number[] = [];
  let rows: Map<string, TextRow[]> | null = null;
  for (let run = 1; run <= runs; run++) {
    const oursUrl = await freshPgDatabase(server, "stepwise_bench_import");
    fs.rmSync(path.join(dir, "data"), { recursive: true, force: true });
    process.env.DATABASE_URL = oursUrl;
    process.env.STEPWISE_DATA_DIR = path.join(dir, "data");
    const { importFiles } = await import("../lib/services/import/imports");
    const { db, disconnect } = await import("../lib/db");
    await db().$queryRawUnsafe("SELECT 1"); // the pool is open outside the timing, as a running server has it
    const started = performance.now();
    const summary = await importFiles({ files: [input], dataset: "bench", images: [IMAGES], source: "cli" });
    const seconds = (performance.now() - started) / 1000;
    await disconnect();
    const c = summary.created;
    if (!rows) {
      // the rows the import wrote, read back as text (outside any timing)
      rows = new Map();
      const reader = new pg.Client({ connectionString: oursUrl });
      await reader.connect();
      for (const [table, columns] of PG_TABLES) {
        const result = await reader.query({ text: `SELECT ${quoted(columns)} FROM "${table}" ORDER BY "id"`, rowMode: "array", types: asText });
        rows.set(table, result.rows as TextRow[]);
      }
      await reader.end();
      console.log(`created: ${JSON.stringify(c)}; rows compared: ${PG_TABLES.map(([t]) => `${t} ${rows!.get(t)!.length.toLocaleString("en-US")}`).join(", ")}`);
    }
    const total = [...rows.values()].reduce((sum, r) => sum + r.length, 0) + 1; // + the history row
    const copyUrl = await freshPgDatabase(server, "stepwise_bench_copy");
    const copySeconds = await rawCopy(copyUrl, rows);
    const rate = (s: number) => Math.round(total / s).toLocaleString("en-US");
    copyRatios.push(copySeconds / seconds);
    let unnest = "";
    if (run === 1) {
      // the choice of the bulk path (COPY or UNNEST): measured once per bench run
      const unnestUrl = await freshPgDatabase(server, "stepwise_bench_unnest");
      const unnestSeconds = await rawUnnest(unnestUrl, rows);
      unnest = `; raw UNNEST ${unnestSeconds.toFixed(2)} s (${rate(unnestSeconds)} rows/s, COPY/UNNEST speed ${(unnestSeconds / copySeconds).toFixed(2)}×)`;
    }
    console.log(
      `run ${run} (load ${load()}): ours ${seconds.toFixed(2)} s (${rate(seconds)} rows/s, ${Math.round(c.steps / seconds).toLocaleString("en-US")} steps/s, read + validate + write from the file); ` +
        `raw COPY ${copySeconds.toFixed(2)} s (${rate(copySeconds)} rows/s)${unnest}; ratio ours/COPY ${(copySeconds / seconds).toFixed(2)}`,
    );
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`ratio ours/raw COPY, median of ${runs}: ${median(copyRatios).toFixed(2)} (target ≥ 0.50; min ${Math.min(...copyRatios).toFixed(2)}, max ${Math.max(...copyRatios).toFixed(2)})`);
  for (const name of ["stepwise_bench_import", "stepwise_bench_copy", "stepwise_bench_unnest"]) await dropPgDatabase(server, name);
}
