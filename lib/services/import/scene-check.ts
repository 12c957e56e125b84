import { get, type Program } from "@/lib/db/sql";

// The import's check pass for traces the verifier cannot check against a scene: a trace names a
// scene (or, without one, its image names it) that neither this import nor the dataset holds, so
// every scene rule would skip it silently. Names are collected while the files are read (scene
// files may come after the traces) and resolved once at the end, one indexed lookup per distinct
// name. The writer links the same way (lib/services/import/import-writer.ts writeTrace): a scene
// named by the trace, else the scene named like its image, else a boxes / graph scene of the image.

const MAX_NAMED = 5;

export class SceneCheck {
  private readonly needs = new Map<string, { count: number; explicit: boolean; name: string }>();
  private readonly scenes = new Set<string>();
  private readonly boxImages = new Set<string>();
  /** Traces that refer to a scene or an image at all (the others, PRM800K's say, need no scene). */
  traces = 0;

  /** A trace of the import: the scene it names, or its image. */
  trace(scene: string | null | undefined, image: string | null | undefined): void {
    const name = scene ?? image;
    if (!name) return;
    this.traces++;
    const key = `${scene ? "s" : "i"}\u0000${name}`;
    const need = this.needs.get(key);
    if (need) need.count++;
    else this.needs.set(key, { count: 1, explicit: Boolean(scene), name });
  }

  /** A scene record of the import (its name, and the image it is of). */
  scene(name: string, image: string): void {
    this.scenes.add(name);
    this.scenes.add(image);
  }

  /** A labelled box of the import: its image gets a boxes scene. */
  labelledBox(image: string): void {
    this.boxImages.add(image);
  }

  /** Traces whose scene is nowhere, and up to five of the missing names (a read-only statement program: readProgram). */
  *resolve(dataset: string): Program<{ unverifiable: number; missing: string[] }> {
    const datasetRow = yield* get<{ id: number }>(`SELECT "id" FROM "Dataset" WHERE "name" = ?`, dataset);
    const byName = `SELECT 1 FROM "Scene" WHERE "datasetId" = ? AND "name" = ? LIMIT 1`;
    const byImage = `SELECT 1 FROM "Scene" s JOIN "Image" i ON i."id" = s."imageId" WHERE s."datasetId" = ? AND i."name" = ? LIMIT 1`;
    let unverifiable = 0;
    const missing: string[] = [];
    for (const need of this.needs.values()) {
      if (this.scenes.has(need.name)) continue;
      if (!need.explicit && this.boxImages.has(need.name)) continue;
      if (datasetRow && ((yield* get(byName, datasetRow.id, need.name)) || (!need.explicit && (yield* get(byImage, datasetRow.id, need.name))))) continue;
      unverifiable += need.count;
      if (missing.length < MAX_NAMED) missing.push(need.name);
    }
    return { unverifiable, missing };
  }
}

/** The loud warning for traces that cannot be verified against a scene. */
export function sceneWarning(unverifiable: number, traces: number, missing: string[]): string {
  const names = missing.map((n) => `"${n}"`).join(", ");
  return (
    `${unverifiable} of ${traces} traces cannot be verified against a scene: no scene found for ${names}${unverifiable > missing.length ? " and others" : ""} ` +
    `in this import or the dataset, so every scene rule (object references, relations, counts, the answer against the scene) will skip them. ` +
    `Import the scene file (CLEVR scenes, a scene graph, or COCO / boxes ground truth) into the same dataset, first or together with the traces.`
  );
}
