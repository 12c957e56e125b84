import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createHumanBox, deleteHumanBox, updateHumanBox } from "@/lib/services/review/boxes";
import { seedDemo } from "@/lib/services/system/seed";

let imageId: number;

beforeAll(async () => {
  await seedDemo({ force: true });
  imageId = (await db().image.findFirstOrThrow({ where: { name: "CLEVR_train_000781.png" } })).id;
});

describe("human boxes", () => {
  it("creates a box clamped to the image, updates it with a version check, deletes it", async () => {
    const box = await createHumanBox(imageId, { x: -5, y: 300, w: 50, h: 50, label: "missed cube" });
    expect(box).toMatchObject({ source: "human", x: 0, y: 300, w: 50, h: 20, version: 1, label: "missed cube" });
    const moved = await updateHumanBox(box.id, { x: 10, y: 20, w: 30, h: 40, expectedVersion: 1 });
    expect(moved).toMatchObject({ x: 10, y: 20, w: 30, h: 40, version: 2 });
    await expect(updateHumanBox(box.id, { x: 0, y: 0, w: 5, h: 5, expectedVersion: 1 })).rejects.toThrow(/changed since you loaded it/);
    expect(await db().auditLog.count({ where: { entity: "box", entityId: String(box.id) } })).toBe(2);
    await deleteHumanBox(box.id, { expectedVersion: 2 });
    expect(await db().box.findUnique({ where: { id: box.id } })).toBeNull();
  });

  it("refuses to edit evidence boxes", async () => {
    const derived = await db().box.findFirstOrThrow({ where: { imageId, source: "derived" } });
    await expect(updateHumanBox(derived.id, { x: 0, y: 0, w: 5, h: 5, expectedVersion: derived.version })).rejects.toThrow(/only human boxes/);
  });
});
