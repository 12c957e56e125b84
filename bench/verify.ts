import fs from "node:fs";
import path from "node:path";

// `npm run bench -- verify` — the verifier's acceptance figures, measured in one run:
//   1. agreement with the scripted teacher's injected truth labels (precision / recall of
//      "step outcome = fail", per fault type) on ≥ 2,000 faulty traces, and clean traces;
//   2. the 36 real CLEVR programs (failing steps, _output agreement);
//   3. in-memory rule evaluation throughput (target ≥ 1M steps/s);
//   4. verify-and-persist vs raw better-sqlite3 inserts of the same verdict rows (target ≥ 50%);
//   5. VisProg: the verifier's structural verdicts vs the 100 human verdicts (a fact, not a target).
// Every figure is printed; nothing is asserted on time.

const ROOT = path.resolve(import.meta.dirname, "..");
const WORK = path.join(ROOT, ".tmp", "bench-verify");

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

async function setupDatabase(): Promise<void> {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  process.env.DATABASE_URL = `file:${path.join(WORK, "bench.db")}`;
  process.env.STEPWISE_DATA_DIR = path.join(WORK, "data");
  const { deployMigrations } = await import("../scripts/migrate-core.mjs");
  await deployMigrations(process.env.DATABASE_URL);
}

export async function benchVerify(): Promise<void> {
  await setupDatabase();
  const { DEFAULT_SETTINGS } = await import("@/lib/verifier/config");
  const { resetVerifierCaches, verifyTrace } = await import("@/lib/verifier/verify");
  const { FAULT_TYPES, ORACLE_RATES, generateCorpus, readClevrScenes, toVerifyStep } = await import("@/lib/teacher/scripted");
  const scenes = readClevrScenes(path.join(ROOT, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json"));

  // 1. oracle agreement ------------------------------------------------------------------
  const seeds = [1, 2, 3];
  const corpus = generateCorpus({ scenes, questionsPerScene: 1, seeds, methods: ["direct"], rates: ORACLE_RATES });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const perType = new Map<string, { injected: number; stepsWrong: number; caught: number }>();
  for (const t of corpus) {
    const { outcomes } = verifyTrace({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }, DEFAULT_SETTINGS);
    outcomes.forEach((o, i) => {
      const flagged = o === "fail";
      if (flagged && t.wrong[i]) tp++;
      else if (flagged) fp++;
      else if (t.wrong[i]) fn++;
    });
    for (const fault of t.faults) {
      const row = perType.get(fault.type) ?? { injected: 0, stepsWrong: 0, caught: 0 };
      row.injected++;
      if (t.wrong[fault.step]) {
        row.stepsWrong++;
        if (outcomes[fault.step] === "fail") row.caught++;
      }
      perType.set(fault.type, row);
    }
  }
  const steps = corpus.reduce((s, t) => s + t.trace.steps.length, 0);
  console.log(`oracle: ${fmt(corpus.length)} faulty scripted-teacher traces (${scenes.length} CLEVR scenes × seeds ${seeds.join(", ")}), ${fmt(steps)} steps, ${fmt(tp + fn)} labelled wrong`);
  console.log(`  step outcome = fail vs injected labels: precision ${(tp / (tp + fp)).toFixed(4)}, recall ${(tp / (tp + fn)).toFixed(4)} (tp ${tp}, fp ${fp}, fn ${fn}; target ≥ 0.95 each)`);
  console.log("  fault type            injected  at a wrong step  flagged there");
  for (const type of FAULT_TYPES) {
    const row = perType.get(type) ?? { injected: 0, stepsWrong: 0, caught: 0 };
    console.log(`  ${type.padEnd(22)}${String(row.injected).padStart(8)}${String(row.stepsWrong).padStart(17)}${String(row.caught).padStart(15)}`);
  }
  const clean = generateCorpus({ scenes, questionsPerScene: 1, seeds: [9], methods: ["direct"], rates: {} });
  let cleanFailing = 0;
  for (const t of clean) {
    const { failingSteps } = verifyTrace({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }, DEFAULT_SETTINGS);
    cleanFailing += failingSteps;
  }
  console.log(`  clean traces: ${fmt(clean.length)} traces, ${cleanFailing} failing steps (target 0)`);

  // 1b. the paraphrase corpus (docs/claims-grammar.md, "Measuring the reader") -----------------
  const { scoreCorpus } = await import("@/lib/verifier/paraphrase/corpus");
  const { buildSplit } = await import("@/lib/verifier/paraphrase/fixtures");
  const { parseReasoning } = await import("@/lib/verifier/claims");
  console.log("\nparaphrase corpus (reasoning as teacher models write it, over real CLEVR scenes; half the texts state a false claim):");
  console.log("  split     texts  claims  precision  recall  steps checked  step P / R (fail)  clean failing  conclusions right/wrong/skipped");
  const paraphraseTexts: string[] = [];
  for (const split of ["dev", "heldout", "blind"] as const) {
    const texts = buildSplit(ROOT, split);
    for (const t of texts) paraphraseTexts.push(t.text);
    const f = scoreCorpus(texts);
    console.log(`  ${split.padEnd(9)}${String(f.texts).padStart(6)}${String(f.labelled).padStart(8)}${f.precision.toFixed(4).padStart(11)}${f.recall.toFixed(4).padStart(8)}${pct(f.checked).padStart(15)}   ${f.stepPrecision.toFixed(3)} / ${f.stepRecall.toFixed(3)}${String(f.cleanFailing).padStart(16)}   ${f.conclusions.right}/${f.conclusions.wrong}/${f.conclusions.skipped} (function words ${f.conclusions.functionWords})`);
  }
  const scriptedTexts = corpus.flatMap((t) => t.trace.steps.flatMap((s) => (s.kind === "reasoning" ? [s.text] : [])));
  const parseRate = (texts: string[]) => {
    const rates: number[] = [];
    for (let p = 0; p < 9; p++) {
      const started = performance.now();
      for (const text of texts) parseReasoning(text);
      rates.push(texts.length / ((performance.now() - started) / 1000));
    }
    rates.sort((a, b) => a - b);
    return `best ${fmt(rates[rates.length - 1])}, median ${fmt(rates[4])} texts/s`;
  };
  console.log(`  reading speed: scripted-teacher reasoning (${fmt(scriptedTexts.length)} texts, the strict grammar) ${parseRate(scriptedTexts)}; paraphrase corpus (${fmt(paraphraseTexts.length)} texts, the general reader) ${parseRate(paraphraseTexts)}`);

  // 2. the 36 real programs ------------------------------------------------------------------
  const { convertProgram } = await import("@/lib/teacher/program");
  const { sceneFromClevr } = await import("@/lib/tools/scene");
  const demo = path.join(ROOT, "prisma/demo/clevr");
  const demoScenes = new Map((JSON.parse(fs.readFileSync(path.join(demo, "CLEVR_train_scenes_subset5.json"), "utf8")).scenes as Array<{ image_filename: string }>).map((s) => [s.image_filename, sceneFromClevr(s)]));
  let realFailing = 0;
  let realOutputs = 0;
  const failingAt: string[] = [];
  for (const line of fs.readFileSync(path.join(demo, "clevr_questions_single_image_flattened.jsonl"), "utf8").trim().split("\n")) {
    const q = JSON.parse(line) as { image_filename: string; question: string | string[]; answer: unknown; program: Array<{ _output?: unknown }> };
    const answer = typeof q.answer === "boolean" ? (q.answer ? "yes" : "no") : typeof q.answer === "number" || typeof q.answer === "string" ? String(q.answer) : null;
    const question = { id: "q", image: q.image_filename, question: Array.isArray(q.question) ? q.question[0] : q.question, answer, program: q.program };
    const scene = demoScenes.get(q.image_filename)!;
    const { trace, warnings } = convertProgram(question, scene);
    realOutputs += warnings.filter((w) => w.includes("differs from execution")).length;
    const result = verifyTrace({ steps: trace.steps.map(toVerifyStep), answer, program: q.program, scene }, DEFAULT_SETTINGS);
    realFailing += result.failingSteps;
    for (const v of result.verdicts) if (v.outcome === "fail") failingAt.push(`"${question.question.slice(0, 60)}…" step ${v.step} ${v.rule}: ${v.message}`);
  }
  console.log(`\nreal CLEVR programs: 36 converted faithfully, ${realFailing} failing step(s), ${realOutputs} _output disagreements with re-execution`);
  for (const f of failingAt) console.log(`  ${f}`);

  // 3. in-memory rule evaluation ---------------------------------------------------------------
  const inputs = corpus.map((t) => ({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }));
  const stepsPerPass = inputs.reduce((s, i) => s + i.steps.length, 0);
  for (let warm = 0; warm < 2; warm++) for (const input of inputs) verifyTrace(input, DEFAULT_SETTINGS);
  // ≥ 1M steps in total, timed pass by pass: the machine is shared, so report the best pass (the
  // machine's own capacity) and the median (what a run under the current load sees). The memo
  // caches (normalised answers, detect queries, argument issues, compiled programs) are emptied before each pass;
  // reasoning text is parsed afresh at every step (there is no parse memo). Verdicts are recorded
  // in the pass's compact log (rule, outcome, message, evidence); the persistence path writes rows
  // straight from it (eachVerdict), so no verdict objects are built here or there.
  const passes = Math.max(5, Math.ceil(1_000_000 / stepsPerPass));
  const rates: number[] = [];
  // The machine's own raw limit, timed right after each pass under the same load: serialising every
  // step to JSON once (a reference that reads each step's whole content once; it also builds a string,
  // so it is a yardstick for this machine's speed right now, not a lower bound on verification).
  const rawRatios: number[] = [];
  let rawSink = 0;
  let memorySeconds = 0;
  let cpuMicros = 0;
  for (let p = 0; p < passes; p++) {
    // every pass starts cold: the memos only help within a pass (the same question resampled
    // by 3 seeds), as they would within one run over a dataset
    resetVerifierCaches();
    const cpuBefore = process.cpuUsage();
    const passStarted = performance.now();
    for (const input of inputs) verifyTrace(input, DEFAULT_SETTINGS);
    const passSeconds = (performance.now() - passStarted) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    memorySeconds += passSeconds;
    cpuMicros += cpu.user + cpu.system;
    rates.push(stepsPerPass / passSeconds);
    const rawStarted = performance.now();
    for (const input of inputs) for (const step of input.steps) rawSink += JSON.stringify(step).length;
    rawRatios.push(((performance.now() - rawStarted) / 1000) / passSeconds);
  }
  const cpuSeconds = cpuMicros / 1e6;
  rates.sort((a, b) => a - b);
  const best = rates[rates.length - 1];
  const median = rates[Math.floor(rates.length / 2)];
  const os = await import("node:os");
  console.log(`\nin-memory rule evaluation (verifyTrace: every rule, completeness and score): ${fmt(passes * stepsPerPass)} steps, ${passes} passes of ${fmt(stepsPerPass)}, ${memorySeconds.toFixed(2)} s`);
  console.log(`  best pass ${fmt(best)} steps/s (${(best / 1e6).toFixed(2)}× the 1M steps/s target); median pass ${fmt(median)} steps/s; overall ${fmt((passes * stepsPerPass) / memorySeconds)} steps per wall second, ${fmt((passes * stepsPerPass) / cpuSeconds)} per CPU second (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  rawRatios.sort((a, b) => a - b);
  const rawMedian = rawRatios[Math.floor(rawRatios.length / 2)];
  console.log(`  vs the raw limit (JSON.stringify of every step, timed after each pass): median ratio ${rawMedian.toFixed(2)} — verifying runs at ${(rawMedian * 100).toFixed(0)}% of the speed of serialising the same steps once, i.e. the raw limit is ${fmt(median / rawMedian)} steps/s on this machine now (${(rawSink / passes / 1e6).toFixed(1)} MB of JSON per pass)`);

  // 3b. the same traces on box scenes (docs/design.md §3: a photo's `boxes` type) -------------
  // Each CLEVR scene turned into a photo with labelled boxes: category = shape, attributes by
  // family, the derived boxes; relations then come from geometry with the ambiguity margin
  // (front / behind undecided without depth). Target: within 2× the CLEVR per-step cost.
  const boxScenes = new Map<object, import("@/lib/tools/scene").Scene>();
  const asBoxes = (scene: import("@/lib/tools/scene").Scene): import("@/lib/tools/scene").Scene => {
    let photo = boxScenes.get(scene);
    if (!photo) {
      photo = {
        kind: "boxes",
        name: scene.name,
        width: scene.width,
        height: scene.height,
        relationships: {},
        objects: scene.objects.map((o) => ({ ...o, color: "", size: "", shape: "", material: "", pixel: null, coords3d: null, category: o.shape, attributes: { color: [o.color], size: [o.size], material: [o.material === "metal" ? "metal" : "rubber"] } })),
      };
      boxScenes.set(scene, photo);
    }
    return photo;
  };
  const boxInputs = inputs.map((input) => ({ ...input, scene: asBoxes(input.scene) }));
  const timeCorpus = (corpusInputs: typeof inputs): number => {
    const perPass: number[] = [];
    for (let p = 0; p < 5; p++) {
      resetVerifierCaches();
      const started = performance.now();
      for (const input of corpusInputs) verifyTrace(input, DEFAULT_SETTINGS);
      perPass.push((performance.now() - started) / 1000 / stepsPerPass);
    }
    perPass.sort((a, b) => a - b);
    return perPass[2];
  };
  for (const input of boxInputs) verifyTrace(input, DEFAULT_SETTINGS); // warm-up
  const clevrCost = timeCorpus(inputs);
  const boxCost = timeCorpus(boxInputs);
  console.log(`\nbox scenes: the same ${fmt(stepsPerPass)} steps on their CLEVR scenes turned into labelled-box photos (relations from geometry with the margin), median of 5 passes each`);
  console.log(`  per-step cost: CLEVR ${(clevrCost * 1e9).toFixed(0)} ns, boxes ${(boxCost * 1e9).toFixed(0)} ns = ${(boxCost / clevrCost).toFixed(2)}× (target ≤ 2×)`);

  // 4. verify-and-persist vs raw inserts of the same verdict rows ------------------------------
  const { normalizeCanonical } = await import("@/lib/formats/canonical");
  const { importRecords } = await import("@/lib/services/import/imports");
  const { runVerifier } = await import("@/lib/services/verify/verify");
  const { prepare, sqlite, writeTransaction, db } = await import("@/lib/db");
  const sceneFile = path.join(WORK, "scenes.json");
  fs.writeFileSync(sceneFile, fs.readFileSync(path.join(ROOT, "fixtures/clevr-v1/CLEVR_train_scenes_1000.json")));
  const { importFiles } = await import("@/lib/services/import/imports");
  await importFiles({ files: [sceneFile], dataset: "bench-verify", imagesDir: WORK });
  const persistCorpus = generateCorpus({ scenes, questionsPerScene: 2, seeds: [4, 5], methods: ["direct"], rates: ORACLE_RATES });
  const records = persistCorpus.map((t, i) => {
    const normalized = normalizeCanonical(t.trace, JSON.stringify(t.trace));
    if (!normalized.ok) throw new Error(`bench trace ${t.trace.id} does not normalise`);
    return { type: "trace" as const, line: i + 1, file: "bench", value: normalized.value };
  });
  await importRecords({ dataset: "bench-verify", records, imagesDirs: [WORK] });
  await runVerifier({ dataset: "bench-verify" }); // warm-up run (JIT, page cache)
  const run = await runVerifier({ dataset: "bench-verify" });
  const handle = await sqlite();
  const rows = prepare(handle, `SELECT "runId", "stepId", "traceId", "rule", "outcome", "severity", "message", "evidence" FROM "Verdict" WHERE "runId" = ?`).all(run.run) as Array<Record<string, unknown>>;
  const rawRun = await db().verifierRun.create({ data: { configId: (await db().verifierConfig.findFirstOrThrow({ where: { version: run.config } })).id, datasetId: (await db().dataset.findUniqueOrThrow({ where: { name: "bench-verify" } })).id } });
  const rawStarted = performance.now();
  await writeTransaction((h) => {
    const insert = prepare(h, `INSERT INTO "Verdict" ("runId", "stepId", "traceId", "rule", "outcome", "severity", "message", "evidence") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const r of rows) insert.run(rawRun.id, r.stepId, r.traceId, r.rule, r.outcome, r.severity, r.message, r.evidence);
  });
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  const rawRate = rows.length / rawSeconds;
  const persistRate = run.verdicts / run.seconds;
  console.log(`\nverify-and-persist: ${fmt(run.traces)} traces, ${fmt(run.steps)} steps, ${fmt(run.verdicts)} verdict rows + ${fmt(run.traces)} scores + trace updates in ${run.seconds.toFixed(2)} s = ${fmt(persistRate)} verdict rows/s (${fmt(run.stepsPerSecond)} steps/s, reading steps included)`);
  console.log(`raw insert of the same ${fmt(rows.length)} verdict rows (prepared statement, one transaction): ${rawSeconds.toFixed(2)} s = ${fmt(rawRate)} rows/s`);
  console.log(`  ratio: ${pct(persistRate / rawRate)} of the raw insert rate (target ≥ 50%)`);

  // 5. VisProg vs human verdicts -------------------------------------------------------------------
  const { decisionConfusion } = await import("@/lib/services/verify/metrics");
  const visprogDir = path.join(ROOT, "prisma/demo/visprog");
  const traceFile = path.join(visprogDir, "visprog_gqa100_traces_nohtml.jsonl");
  // today's: the traces alone; with scenes: our GQA-style scene graphs of the 6 images first
  await importFiles({ files: [traceFile], dataset: "bench-visprog", imagesDir: path.join(visprogDir, "images"), format: "visprog" });
  await importFiles({ files: [path.join(visprogDir, "scene_graphs.json")], dataset: "bench-visprog-graphs", imagesDir: path.join(visprogDir, "images"), format: "scene-graph" });
  await importFiles({ files: [traceFile], dataset: "bench-visprog-graphs", imagesDir: path.join(visprogDir, "images"), format: "visprog" });
  const matrices = [];
  for (const name of ["bench-visprog", "bench-visprog-graphs"]) {
    await runVerifier({ dataset: name });
    const confusion = (await decisionConfusion({ dataset: name }))!;
    const failing = prepare(handle, `SELECT v."rule", COUNT(DISTINCT v."traceId") AS n FROM "Verdict" v WHERE v."runId" = ? AND v."outcome" = 'fail' GROUP BY v."rule" ORDER BY n DESC`).all(confusion.run) as Array<{ rule: string; n: number }>;
    matrices.push({ confusion, failing });
  }
  const [today, graphs] = matrices;
  const cell = (a: number, b: number) => `${String(a).padStart(13)}${String(b).padStart(13)}`;
  console.log("\nVisProg (100 real GQA traces) — verifier validity vs the human verdict; left: no scene graph (structural rules only), right: with our scene graphs of the 6 demo images:");
  console.log("                      human correct  human wrong   |  human correct  human wrong");
  console.log(`  verifier valid      ${cell(today.confusion.validAccepted, today.confusion.validRejected)}   |${cell(graphs.confusion.validAccepted, graphs.confusion.validRejected)}`);
  console.log(`  verifier invalid    ${cell(today.confusion.invalidAccepted, today.confusion.invalidRejected)}   |${cell(graphs.confusion.invalidAccepted, graphs.confusion.invalidRejected)}`);
  for (const [label, m] of [["no scene graph", today], ["with scene graphs", graphs]] as const) {
    const c = m.confusion;
    const agree = c.validAccepted + c.invalidRejected;
    const total = agree + c.validRejected + c.invalidAccepted;
    console.log(`  ${label}: agreement ${agree}/${total}; flagged wrong by the human and by the verifier: ${c.invalidRejected}/${c.invalidRejected + c.validRejected}; traces failing each rule: ${m.failing.map((f) => `${f.rule} ${f.n}`).join(", ")}`);
  }
  await (await import("@/lib/db")).disconnect();
}
