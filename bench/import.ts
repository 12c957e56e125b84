// `npm run bench -- import [--traces=N] [--runs=R]`: generates N canonical traces (default 20,000,
// eleven steps each ≈ 220,000 steps), imports them with `importFiles` into a fresh database, then
// inserts the very same rows with raw better-sqlite3 prepared statements in one transaction into
// another fresh database. Prints both throughputs and their ratio (target ≥ 0.5) per run and the
// median over R runs (default 3: the machine's two cores are shared, single runs are noisy), and
// the import's peak RSS (first run).
import fs from "node:fs";
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
  const count = argument("traces", 20_000);
  const runs = argument("runs", 3);
  const dir = path.join(ROOT, ".tmp", "bench", "import");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, "traces.jsonl");
  const out = fs.openSync(input, "w");
  for (let n = 0; n < count; n++) fs.writeSync(out, `${trace(n)}\n`);
  fs.closeSync(out);
  const bytes = fs.statSync(input).size;
  console.log(`input: ${count.toLocaleString("en-US")} traces, ${mb(bytes)} (${input})`);

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
