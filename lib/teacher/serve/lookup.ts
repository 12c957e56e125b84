import { sql } from "@/lib/db/sql";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import type { ProgramNode } from "@/lib/teacher/scripted/engine";
import type { SceneLookup, SceneLookupResult } from "@/lib/teacher/serve/scripted-responder";
import type { Scene } from "@/lib/tools/scene";

// Where the built-in teacher finds a conversation's scene and question program: the database
// (every dataset's scenes and questions, by image name or image sha256) or an in-memory set.

/** Scenes from the database, cached per image and question. */
export function databaseLookup(): SceneLookup {
  const cache = new Map<string, SceneLookupResult | null>();
  const scenes = new Map<number, Scene>();
  return async ({ image, sha256, question }) => {
    const key = `${image ?? ""}\u0000${sha256 ?? ""}\u0000${question}`;
    if (cache.has(key)) return cache.get(key)!;
    const q = await sql();
    type Found = { sceneId: number; imageId: number | null };
    const row = image
      ? ((await q.get<Found>(`SELECT s."id" AS "sceneId", i."id" AS "imageId" FROM "Image" i JOIN "Scene" s ON s."imageId" = i."id" WHERE i."name" = ? ORDER BY s."id" DESC LIMIT 1`, [image])) ??
        (await q.get<Found>(`SELECT s."id" AS "sceneId", s."imageId" AS "imageId" FROM "Scene" s WHERE s."name" = ? ORDER BY s."id" DESC LIMIT 1`, [image])))
      : sha256
        ? await q.get<Found>(`SELECT s."id" AS "sceneId", i."id" AS "imageId" FROM "Image" i JOIN "Scene" s ON s."imageId" = i."id" WHERE i."sha256" = ? ORDER BY s."id" DESC LIMIT 1`, [sha256])
        : undefined;
    if (!row) {
      cache.set(key, null);
      return null;
    }
    let scene = scenes.get(row.sceneId);
    if (!scene) {
      scene = (await loadToolScenes([row.sceneId])).get(row.sceneId)!;
      scenes.set(row.sceneId, scene);
    }
    const found = await q.get<{ program: string | null; answer: string | null }>(
      `SELECT q."program", q."answer" FROM "Question" q JOIN "Image" i ON i."id" = q."imageId" WHERE q."text" = ? AND (i."id" = ? OR i."name" = ?) AND q."program" IS NOT NULL ORDER BY q."id" DESC LIMIT 1`,
      [question, row.imageId, image ?? ""],
    );
    const result: SceneLookupResult = { scene, program: found?.program ? (JSON.parse(found.program) as ProgramNode[]) : null, answer: found?.answer ?? null };
    cache.set(key, result);
    if (cache.size > 5000) cache.delete(cache.keys().next().value as string);
    return result;
  };
}

/** A fixed set of scenes (by scene name = image name) and question programs (by image and text). */
export function memoryLookup(scenes: Scene[], questions: Array<{ image: string; question: string; program: ProgramNode[]; answer?: string | number | boolean | null }> = []): SceneLookup {
  const byName = new Map(scenes.map((s) => [s.name, s]));
  const programs = new Map(questions.map((q) => [`${q.image}\u0000${q.question}`, q]));
  return ({ image, question }) => {
    const scene = image ? byName.get(image) : undefined;
    if (!scene) return null;
    const q = programs.get(`${image}\u0000${question}`);
    return { scene, program: q?.program ?? null, answer: q?.answer === undefined || q.answer === null ? null : String(q.answer) };
  };
}
