import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { importFiles } from "@/lib/services/import/imports";

// Every sample format (copied from the shared sample data into fixtures/, see fixtures/README.md)
// imported into a real SQLite file, with exact expected counts.

const F = (p: string) => path.resolve("fixtures", p);
const CLEVR_IMAGES = path.resolve("prisma/demo/clevr");

async function boxesOf(dataset: string, image: string) {
  return db().box.findMany({ where: { image: { name: image, dataset: { name: dataset } } }, orderBy: { id: "asc" }, select: { source: true, label: true, objectIndex: true, x: true, y: true, w: true, h: true, score: true } });
}

describe("CLEVR", () => {
  it("imports the 1,000 official scenes (streamed) with derived boxes flagged as such", async () => {
    const summary = await importFiles({ files: [F("clevr-v1/CLEVR_train_scenes_1000.json")], dataset: "clevr-1000", images: [CLEVR_IMAGES] });
    expect(summary.created).toEqual({ images: 1000, scenes: 1000, questions: 0, traces: 0, steps: 0, boxes: 6455 });
    expect(await db().sceneObject.count({ where: { scene: { dataset: { name: "clevr-1000" } } } })).toBe(6455);
    expect(await db().box.count({ where: { source: { not: "derived" }, image: { dataset: { name: "clevr-1000" } } } })).toBe(0);
    // 5 of the images ship with the demo: stored content-addressed; the other 995 are placeholders
    expect(await db().image.count({ where: { dataset: { name: "clevr-1000" }, path: { not: null } } })).toBe(5);
    expect(summary.warnings.at(-1)).toBe("975 more images were not found either; imported without their files");
  });

  it("imports too_clevr multi-image questions as one question per image, and the flattened file to the same ids", async () => {
    const multi = await importFiles({ files: [F("clevr-v1/too_clevr_questions_multiimage_subset.json")], dataset: "clevr-q", images: [CLEVR_IMAGES] });
    expect(multi.created).toMatchObject({ questions: 180, traces: 0 });
    const flattened = await importFiles({ files: [F("clevr-v1/clevr_questions_single_image_flattened.jsonl")], dataset: "clevr-q", images: [CLEVR_IMAGES] });
    expect(flattened.created.questions).toBe(0);
    expect(flattened.duplicates).toBe(36);
    const q = await db().question.findFirstOrThrow({ where: { dataset: { name: "clevr-q" }, externalId: { startsWith: "CLEVR_train_000852-q3" } } });
    expect(q).toMatchObject({ text: "Is the number of small things less than the number of large things?", answer: "no", source: "clevr" });
  });

  it("imports the clevr-parser scenes with their questions (program nodes keyed type)", async () => {
    const summary = await importFiles({ files: [F("clevr-parser/1obj/CLEVR_val_questions.json"), F("clevr-parser/1obj/CLEVR_val_scenes.json")], dataset: "parser-1obj" });
    expect(summary.created).toEqual({ images: 10, scenes: 10, questions: 42, traces: 0, steps: 0, boxes: 10 });
    // scenes referencing missing images: imported, with one warning per missing file
    expect(summary.warnings.filter((w) => w.includes("not found"))).toHaveLength(8);
    expect(summary.warnings[0]).toMatch(/CLEVR_val_scenes\.json:\d+: image "CLEVR_val_000002\.png" not found/);
    expect(await db().image.count({ where: { dataset: { name: "parser-1obj" }, path: { not: null } } })).toBe(2);
  });

  it("imports a model-predicted (derendered) scene file whose objects carry 3-D positions only", async () => {
    const summary = await importFiles({ files: [F("clevr-parser/2obj/val_scenes_parsed.json")], dataset: "parser-derendered" });
    expect(summary.created).toEqual({ images: 10, scenes: 10, questions: 0, traces: 0, steps: 0, boxes: 0 });
    const object = await db().sceneObject.findFirstOrThrow({ where: { scene: { dataset: { name: "parser-derendered" }, name: "CLEVR_val_000000.png" }, index: 0 } });
    expect(object).toMatchObject({ color: "purple", shape: "sphere", px: null, extra: { position: [-2.673457145690918, 2.7590689659118652, 0.699999988079071] } });
  });

  it("turns the real Mask R-CNN RLE masks into detector boxes centred on the scene objects", async () => {
    const summary = await importFiles({ files: [F("clevr-parser/2obj/val_obj_masks.json"), F("clevr-parser/2obj/CLEVR_val_scenes.json")], dataset: "parser-masks" });
    expect(summary.created).toEqual({ images: 10, scenes: 10, questions: 0, traces: 0, steps: 0, boxes: 40 });
    const detector = await db().box.findMany({ where: { source: "detector:mask-rcnn", image: { dataset: { name: "parser-masks" } } }, include: { image: { include: { scenes: { include: { objects: true } } } } } });
    expect(detector).toHaveLength(20);
    for (const box of detector) {
      const object = box.image.scenes[0].objects.find((o) => o.index === box.objectIndex)!;
      expect(object, `box ${box.id} matched an object`).toBeDefined();
      expect(Math.hypot(box.x + box.w / 2 - object.px!, box.y + box.h / 2 - object.py!)).toBeLessThan(4);
      expect(box.label).toBe(`${object.color} ${object.material} ${object.shape}`);
    }
    expect(await boxesOf("parser-masks", "CLEVR_val_000001.png")).toEqual([
      { source: "derived", label: "small red rubber sphere", objectIndex: 0, x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number), score: null },
      { source: "derived", label: "large blue metal cylinder", objectIndex: 1, x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number), score: null },
      { source: "detector:mask-rcnn", label: "blue metal cylinder", objectIndex: 1, x: 93, y: 63, w: 46, h: 58, score: 0.9998928308486938 },
      { source: "detector:mask-rcnn", label: "red rubber sphere", objectIndex: 0, x: 147, y: 76, w: 19, h: 19, score: 0.9994975328445435 },
    ]);
  });

  it("rejects masks whose image index matches no scene", async () => {
    await expect(importFiles({ files: [F("clevr-parser/2obj/val_obj_masks.json")], dataset: "masks-alone" })).rejects.toMatchObject({
      code: "invalid_input",
      details: expect.arrayContaining([{ file: F("clevr-parser/2obj/val_obj_masks.json"), line: 1, path: "$.image_idxs", error: expect.stringContaining("image index 0 matches no scene") }]),
    });
  });
});

describe("COCO", () => {
  it("imports ground truth (bbox, RLE and polygons) and a results file resolved through it", async () => {
    const summary = await importFiles({ files: [F("coco/clevr-2obj-results.json"), F("coco/clevr-2obj-gt.json")], dataset: "coco", images: [F("clevr-parser/2obj/images")] });
    // images without a scene become `boxes` scenes of their ground-truth boxes (docs/design.md §3)
    expect(summary.created).toEqual({ images: 3, scenes: 3, questions: 0, traces: 0, steps: 0, boxes: 8 });
    expect(await boxesOf("coco", "CLEVR_val_000000.png")).toEqual([
      { source: "ground_truth", label: "green rubber cylinder", objectIndex: 0, x: 90, y: 67, w: 49, h: 62, score: null },
      { source: "ground_truth", label: "purple metal sphere", objectIndex: 1, x: 150, y: 39, w: 36, h: 36, score: null },
      // results carry category ids only; their names live in the ground-truth file
      { source: "detector:clevr-2obj-results", label: "category 26", objectIndex: null, x: 91, y: 68, w: 47, h: 60, score: 0.98 },
    ]);
    expect(await boxesOf("coco", "CLEVR_val_000001.png")).toMatchObject([{ x: 93, y: 63, w: 46, h: 58 }, { label: "red rubber sphere", x: 147, y: 76, w: 19, h: 19 }, { x: 146.5, score: 0.87 }]);
    // the image without a file still gets its size from the annotations file
    expect(await db().image.findFirstOrThrow({ where: { name: "CLEVR_val_000002.png", dataset: { name: "coco" } } })).toMatchObject({ width: 320, height: 240, path: null });
  });

  it("rejects a results file without the ground truth that defines its image ids", async () => {
    const file = F("coco/clevr-2obj-results.json");
    await expect(importFiles({ files: [file], dataset: "coco-alone" })).rejects.toMatchObject({ details: expect.arrayContaining([{ file, line: 2, path: "$[0].image_id", error: expect.stringContaining("image_id 0 is not defined") }]) });
  });
});

describe("boxes in other conventions", () => {
  it("stores every convention in original-image pixels: the same box seven ways is one box", async () => {
    const summary = await importFiles({ files: [F("boxes/clevr-781-conventions.jsonl")], dataset: "boxes", images: [CLEVR_IMAGES] });
    expect(summary.created).toMatchObject({ images: 1, boxes: 3 });
    expect(summary.duplicates).toBe(6);
    expect(await boxesOf("boxes", "CLEVR_train_000781.png")).toEqual([
      { source: "human", label: "patch", objectIndex: null, x: 96, y: 64, w: 48, h: 32, score: null },
      { source: "human", label: "whole image", objectIndex: null, x: 0, y: 0, w: 480, h: 320, score: null },
      { source: "detector:owlv2", label: "sphere", objectIndex: 9, x: 113, y: 96, w: 48, h: 48, score: 0.91 },
    ]);
  });

  it("imports the V* ground-truth pixel boxes for an image that is not shipped, with a warning", async () => {
    const summary = await importFiles({ files: [F("visual-sketchpad/vstar-sa_46221.boxes.jsonl")], dataset: "vstar-boxes" });
    expect(summary.created).toMatchObject({ images: 1, boxes: 2 });
    expect(summary.warnings).toEqual([expect.stringContaining('image "sa_46221.jpg" not found')]);
  });
});

describe("traces from agent logs", () => {
  it("maps OpenAI chat transcripts onto canonical steps", async () => {
    const summary = await importFiles({ files: [F("openai-chat/clevr-781-transcripts.jsonl")], dataset: "chat", images: [CLEVR_IMAGES] });
    expect(summary.created).toEqual({ images: 1, scenes: 0, questions: 3, traces: 3, steps: 23, boxes: 0 });
    const trace = await db().trace.findFirstOrThrow({ where: { externalId: "gpt4o-run7-0001" }, include: { steps: { orderBy: { index: "asc" } } } });
    expect(trace).toMatchObject({ question: "How many cylinders are left of the small gray cylinder?", answer: "2", finalAnswer: "2", teacherModel: "gpt-4o-2024-08-06", format: "openai-chat" });
    expect(trace.steps.map((s) => s.kind)).toEqual(["plan", "tool_call", "tool_result", "tool_call", "tool_result", "reasoning", "tool_call", "tool_result", "reasoning", "answer"]);
    expect(trace.steps[3]).toMatchObject({ tool: "relate", callId: "call_Qx2", args: { object: "obj_1", relation: "left" }, refs: "[1]" });
    expect(trace.steps[4]).toMatchObject({ callId: "call_Qx2", result: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] });
    const second = await db().trace.findFirstOrThrow({ where: { externalId: "gpt4o-run7-0002" }, include: { steps: { orderBy: { index: "asc" } } } });
    expect(second.steps.map((s) => s.kind)).toEqual(["tool_call", "tool_call", "tool_result", "tool_result", "tool_call", "tool_result", "answer"]);
    expect(second.steps[5].result).toBe(true);
    expect((await db().trace.findFirstOrThrow({ where: { externalId: "gpt4o-run7-0003" } })).finalAnswer).toBe("metal");
  });

  it("reads ReAct logs: Action Input, actions written as code (keyword and positional), tool[input]", async () => {
    const summary = await importFiles({ files: [F("react/agent-logs.txt")], dataset: "react", images: [CLEVR_IMAGES] });
    expect(summary.created).toEqual({ images: 1, scenes: 0, questions: 3, traces: 3, steps: 27, boxes: 0 });
    const steps = async (id: string) => (await db().trace.findFirstOrThrow({ where: { externalId: id }, include: { steps: { orderBy: { index: "asc" } } } })).steps;
    const langchain = await steps("react-lc-0001");
    expect(langchain.map((s) => s.kind)).toEqual(["reasoning", "tool_call", "tool_result", "reasoning", "tool_call", "tool_result", "reasoning", "tool_call", "tool_result", "reasoning", "answer"]);
    expect(langchain[9].text).toBe("obj_0 and obj_8 are cylinders left of obj_1,\nso there are 2.");
    const code = await steps("react-code-0002");
    expect(code[1]).toMatchObject({ tool: "detect", args: { query: "large red sphere" } });
    expect(code[3]).toMatchObject({ tool: "detect", args: { query: "yellow cube" } }); // positional
    expect(code[5]).toMatchObject({ tool: "check_relation", args: { subject: "obj_4", relation: "right", object: "obj_6" }, refs: "[4,6]" });
    expect(code[6]).toMatchObject({ kind: "tool_result", result: true });
    expect(code.at(-1)).toMatchObject({ kind: "answer", text: "yes." });
    const bracket = await steps("react-code-0003");
    expect(bracket[1]).toMatchObject({ tool: "relate", args: { object: "obj_1", relation: "left" } });
    expect(bracket[2].result).toEqual(["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"]);
    expect(bracket[4]).toMatchObject({ tool: "count", args: { objects: ["obj_0", "obj_3", "obj_6", "obj_8", "obj_9"] } });
  });

  it("reads the Visual Sketchpad V* log (THOUGHT 2 / ACTION 2: No action needed / ANSWER … TERMINATE)", async () => {
    const summary = await importFiles({ files: [F("visual-sketchpad/vstar-sa_46221.react.txt")], dataset: "vstar" });
    expect(summary.created).toMatchObject({ traces: 1, steps: 3 });
    const trace = await db().trace.findFirstOrThrow({ where: { externalId: "vstar-relative_position-sa_46221" }, include: { steps: { orderBy: { index: "asc" } } } });
    expect(trace).toMatchObject({ answer: "(A)", finalAnswer: "(A)", teacherModel: "gpt-4o-2024-05-13" });
    expect(trace.steps.map((s) => s.kind)).toEqual(["reasoning", "reasoning", "answer"]);
  });
});

describe("human labels", () => {
  it("imports PRM800K ratings as external human labels with provenance", async () => {
    const summary = await importFiles({ files: [F("prm800k/prm800k_sample_records.jsonl")], dataset: "prm800k" });
    expect(summary.created).toEqual({ images: 0, scenes: 0, questions: 7, traces: 12, steps: 221, boxes: 0 });
    const labels = await db().review.groupBy({ by: ["label"], where: { trace: { dataset: { name: "prm800k" } } }, _count: { _all: true } });
    expect(Object.fromEntries(labels.map((l) => [l.label, l._count._all]))).toEqual({ accept: 82, neutral: 15, reject: 9 });
    const first = await db().trace.findFirstOrThrow({ where: { externalId: "prm800k-2022-07-30T23:23:32.118856-e90a38f3" }, include: { steps: { orderBy: { index: "asc" } }, reviews: { orderBy: { id: "asc" }, include: { step: true, user: true } } } });
    expect(first).toMatchObject({ question: expect.stringContaining("Three pencils"), answer: "29", finalAnswer: "29", method: "prm800k-phase1" });
    expect(first.steps.map((s) => s.kind)).toEqual(["reasoning", "reasoning", "reasoning", "reasoning", "reasoning", "reasoning", "answer"]);
    expect(first.steps[1].text).toBe("We have $3p+e=1.24$ and $5p+e=1.82$."); // the human's own completion
    expect(first.reviews[0]).toMatchObject({ label: "accept", source: "external:prm800k", user: { name: "external:prm800k" }, step: { index: 0 } });
    expect(first.reviews[0].provenance).toMatchObject({ labeler: "e90a38f3-3135-4465-87af-3e6322e3d772", timestamp: "2022-07-30T23:23:32.118856", rating: 1, phase: 1, finish_reason: "solution", completion: 0 });
    // phase 2: the whole pre-generated solution, labelled up to the first error
    const phase2 = await db().trace.findFirstOrThrow({ where: { externalId: "prm800k-2022-11-22T16:51:29.980606-cc88bf76" }, include: { reviews: { include: { step: true }, orderBy: { id: "asc" } } } });
    expect(phase2).toMatchObject({ stepCount: 13, method: "prm800k-phase2", finalAnswer: "7200", answer: "28800" });
    expect(phase2.reviews.map((r) => r.label)).toEqual(["accept", "neutral", "accept", "accept", "accept", "accept", "reject"]);
    expect(phase2.reviews.at(-1)).toMatchObject({ step: { index: 6, text: expect.stringContaining("For the Democrats") }, provenance: expect.objectContaining({ rating: -1, phase: 2, generation: 6, finish_reason: "found_error" }) });
  });

  it("accepts PRM800K's pretty-printed raw files: the same 12 records (2 exact repeats counted as duplicates)", async () => {
    const raw = ["phase1-test-example.json", "phase1-train-example.json", "phase2-test-example.json", "phase2-train-example.jsonl"].map((f) => F(`prm800k/raw/prm800k-${f}`));
    const summary = await importFiles({ files: raw, dataset: "prm800k-raw" });
    expect(summary.created).toEqual({ images: 0, scenes: 0, questions: 7, traces: 12, steps: 221, boxes: 0 });
    expect(summary.duplicates).toBe(2);
    expect(summary.files?.map((f) => f.format)).toEqual(["prm800k", "prm800k", "prm800k", "prm800k"]);
  });

  it("imports the VisProg traces with their human verdicts (trace-level labels)", async () => {
    const summary = await importFiles({ files: [path.resolve("prisma/demo/visprog/visprog_gqa100_traces_nohtml.jsonl")], dataset: "visprog", images: [path.resolve("prisma/demo/visprog/images")] });
    expect(summary.created).toMatchObject({ traces: 100, images: 99 }); // two questions share an image
    const decisions = await db().trace.groupBy({ by: ["decision"], where: { dataset: { name: "visprog" } }, _count: { _all: true } });
    expect(Object.fromEntries(decisions.map((d) => [d.decision, d._count._all]))).toEqual({ accept: 34, reject: 66 });
  });
});
