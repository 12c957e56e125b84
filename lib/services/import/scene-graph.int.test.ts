import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { detectFormat } from "@/lib/formats/read";
import { importFiles } from "@/lib/services/import/imports";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { runVerifier } from "@/lib/services/verify/verify";
import { getTool } from "@/lib/tools/registry";

// GQA / Visual Genome scene graphs imported as `graph` scenes into a real SQLite file, next to the
// VisProg traces on the same images, then verified; malformed graphs rejected whole naming file,
// line and field.

const DEMO = path.resolve("prisma/demo/visprog");
const GRAPHS = path.join(DEMO, "scene_graphs.json");
const TRACES = path.join(DEMO, "visprog_gqa100_traces_nohtml.jsonl");

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "scene-graph-"));
const tmp = (name: string, text: string) => {
  const file = path.join(tmpDir, name);
  fs.writeFileSync(file, text);
  return file;
};

async function rejected(file: string, dataset: string): Promise<AppError> {
  const before = await db().scene.count();
  const error = await importFiles({ files: [file], dataset }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("invalid_input");
  expect(await db().scene.count()).toBe(before);
  return error as AppError;
}

describe("the demo's GQA scene graphs", () => {
  const dataset = "gqa-graphs";

  beforeAll(async () => {
    await importFiles({ files: [GRAPHS], dataset, imagesDir: path.join(DEMO, "images") });
    await importFiles({ files: [TRACES], dataset, imagesDir: path.join(DEMO, "images"), format: "visprog" });
  });

  it("is detected and gives 6 graph scenes of ≥ 8 objects with boxes, attributes and relations", async () => {
    expect(detectFormat(GRAPHS)).toBe("scene-graph");
    const scenes = await db().scene.findMany({ where: { dataset: { name: dataset } }, include: { objects: true, image: { include: { boxes: true } } } });
    expect(scenes).toHaveLength(6);
    for (const scene of scenes) {
      expect(scene.kind).toBe("graph");
      expect(scene.objects.length).toBeGreaterThanOrEqual(8);
      expect(scene.image?.boxes.filter((b) => b.source === "ground_truth")).toHaveLength(scene.objects.length);
      expect(scene.image?.width).toBeGreaterThan(0);
      expect(Object.keys(scene.relationships as object).length).toBeGreaterThan(2);
    }
  });

  it("links the VisProg traces on those images to their scene and ground truth", async () => {
    const traces = await db().trace.findMany({ where: { dataset: { name: dataset }, sceneId: { not: null } } });
    expect(new Set(traces.map((t) => t.imageId)).size).toBe(6);
    const drawer = traces.find((t) => t.question === "Is the closed drawer to the right of a chair?")!;
    expect(drawer.answer).toBe("no");
  });

  it("the tools run on the stored scene: the closed drawer is left of the wheelchair", async () => {
    const scene = await db().scene.findFirstOrThrow({ where: { dataset: { name: dataset }, name: "n15719.jpg" } });
    const tool = (await loadToolScenes([scene.id])).get(scene.id)!;
    expect(tool.kind).toBe("graph");
    expect(getTool("detect")!.execute!(tool, { query: "closed drawer" })).toMatchObject({ ok: true, value: [{ id: "obj_4", label: "drawer", box: [0, 240, 215, 125] }] });
    expect(getTool("detect")!.execute!(tool, { query: "chair" })).toMatchObject({ ok: true, value: [{ id: "obj_8", label: "wheelchair" }] });
    expect(getTool("check_relation")!.execute!(tool, { subject: "obj_4", relation: "to the right of", object: "obj_8" })).toEqual({ ok: true, value: false });
    expect(getTool("relate")!.execute!(tool, { object: "obj_2", relation: "holding" })).toMatchObject({ ok: true, value: [] });
    expect(getTool("check_relation")!.execute!(tool, { subject: "obj_2", relation: "holding", object: "obj_1" })).toEqual({ ok: true, value: true });
  });

  it("verification judges the answers on the 6 images against the scene graphs' ground truth", async () => {
    await runVerifier({ dataset });
    const traces = await db().trace.findMany({ where: { dataset: { name: dataset }, sceneId: { not: null } }, include: { scores: true } });
    const byImage = new Map(traces.map((t) => [t.externalId.split("-").at(-1), t]));
    // VisProg answered "table" to "What does the man wear?" (the humans: wrong)
    expect(byImage.get("n51303")!.valid).toBe(false);
    expect(byImage.get("n15719")!.valid).toBe(true);
  });
});

describe("malformed scene graphs", () => {
  it("a box without numbers names the file, line and field; nothing is written", async () => {
    const file = tmp("bad-box.json", JSON.stringify({ img1: { width: 10, height: 10, objects: { "1": { name: "cat", x: 1, y: "2", w: 3, h: 4, attributes: [], relations: [] } } } }, null, 1));
    const error = await rejected(file, "bad-box");
    expect(error.details[0]).toMatchObject({ file, line: 2, path: "$.img1.objects.1", error: expect.stringContaining("expected numeric x, y, w, h") });
  });

  it("a relation to an object that does not exist", async () => {
    const file = tmp("bad-rel.json", JSON.stringify({ img1: { objects: { a: { name: "cat", x: 1, y: 2, w: 3, h: 4, attributes: ["black"], relations: [{ name: "on", object: "zz" }] } } } }));
    const error = await rejected(file, "bad-rel");
    expect(error.details[0]).toMatchObject({ file, path: "$.img1.objects.a.relations[0].object", error: expect.stringContaining('"zz" is not one of the image\'s objects') });
  });

  it("Visual Genome: a relationship whose subject is unknown, and a file with no image", async () => {
    const vg = [{ image_id: 7, objects: [{ object_id: 1, names: ["dog"], x: 0, y: 0, w: 5, h: 5 }], relationships: [{ predicate: "on", subject_id: 9, object_id: 1 }] }];
    const file = tmp("vg.json", JSON.stringify(vg));
    expect(detectFormat(file)).toBe("scene-graph");
    const error = await rejected(file, "bad-vg");
    expect(error.details[0]).toMatchObject({ path: "$[0].relationships[0].subject_id", error: expect.stringContaining("subject 9") });
    const empty = tmp("empty.json", "[]");
    const none = await importFiles({ files: [empty], dataset: "none-vg", format: "scene-graph" }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(AppError);
  });

  it("a Visual Genome graph imports with names, attributes and predicates", async () => {
    const vg = [{ image_id: 8, width: 100, height: 80, objects: [{ object_id: 1, names: ["dog"], x: 0, y: 0, w: 20, h: 20, attributes: ["brown"] }, { object_id: 2, names: ["sofa"], x: 50, y: 30, w: 40, h: 30 }], relationships: [{ predicate: "sitting on", subject_id: 1, object_id: 2 }] }];
    await importFiles({ files: [tmp("vg-ok.json", JSON.stringify(vg))], dataset: "vg-ok" });
    const scene = await db().scene.findFirstOrThrow({ where: { dataset: { name: "vg-ok" } }, include: { objects: { orderBy: { index: "asc" } } } });
    expect(scene).toMatchObject({ name: "8.jpg", kind: "graph", relationships: { "sitting on": [[], [0]] } });
    expect(scene.objects[0].extra).toEqual({ category: "dog", attributes: { color: ["brown"] }, sourceId: "1" });
  });
});

describe("one image's graph as a file of its own", () => {
  it("is read as that image (named by its file), GQA or Visual Genome shaped", async () => {
    const gqa = tmp("kitchen-42.json", JSON.stringify({ width: 100, height: 80, objects: { a: { name: "cup", x: 10, y: 10, w: 10, h: 10, attributes: ["red"], relations: [{ name: "to the left of", object: "b" }] }, b: { name: "plate", x: 60, y: 10, w: 30, h: 10, attributes: [] } } }));
    expect(detectFormat(gqa)).toBe("scene-graph");
    await importFiles({ files: [gqa], dataset: "single-gqa" });
    expect(await db().scene.findFirstOrThrow({ where: { dataset: { name: "single-gqa" } } })).toMatchObject({ name: "kitchen-42.jpg", kind: "graph", relationships: { left: [[], [0]] } });
    const vg = tmp("vg-one.json", JSON.stringify({ image_id: 5, objects: [{ object_id: 1, names: ["dog"], x: 0, y: 0, w: 5, h: 5 }], relationships: [] }));
    expect(detectFormat(vg)).toBe("scene-graph");
    await importFiles({ files: [vg], dataset: "single-vg" });
    expect(await db().scene.findFirstOrThrow({ where: { dataset: { name: "single-vg" } } })).toMatchObject({ name: "5.jpg", kind: "graph" });
  });
});

describe("labelled boxes as boxes scenes", () => {
  it("IIW-style ground-truth boxes on a photo without a scene become a boxes scene the tools run on", async () => {
    const file = path.resolve("fixtures/visual-sketchpad/vstar-sa_46221.boxes.jsonl");
    await importFiles({ files: [file], dataset: "iiw-boxes", format: "boxes" });
    const scene = await db().scene.findFirstOrThrow({ where: { dataset: { name: "iiw-boxes" } }, include: { objects: { orderBy: { index: "asc" } } } });
    expect(scene).toMatchObject({ name: "sa_46221.jpg#boxes", kind: "boxes" });
    expect(scene.objects[0].extra).toMatchObject({ category: "balloon", attributes: { color: ["red"] }, source: "ground_truth" });
    const tool = (await loadToolScenes([scene.id])).get(scene.id)!;
    const found = getTool("detect")!.execute!(tool, { query: "red balloon" });
    expect(found).toMatchObject({ ok: true, value: [{ id: "obj_0", label: "balloon" }] });
    // a second import of the same boxes changes nothing
    await importFiles({ files: [file], dataset: "iiw-boxes", format: "boxes" });
    expect(await db().scene.count({ where: { dataset: { name: "iiw-boxes" } } })).toBe(1);
  });
});
