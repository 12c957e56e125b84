import { auditStamp } from "@/lib/auth/context";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { CreateBoxBody, HumanBoxDto, UpdateBoxBody } from "@/lib/schemas/boxes";
import { resolveUser } from "@/lib/services/review/users";
import { reverifyBoxScene } from "@/lib/services/scenes/scene-edit";

// Only `human` boxes are editable; ground truth, derived and detector boxes are evidence.
// Boxes are clamped to the image so a drag past the edge cannot store negative geometry.

const SELECT = { id: true, imageId: true, source: true, label: true, objectIndex: true, x: true, y: true, w: true, h: true, score: true, version: true } as const;

function clamp(box: { x: number; y: number; w: number; h: number }, image: { width: number | null; height: number | null }) {
  const width = image.width ?? Number.POSITIVE_INFINITY;
  const height = image.height ?? Number.POSITIVE_INFINITY;
  const x = Math.min(Math.max(0, box.x), width - 1);
  const y = Math.min(Math.max(0, box.y), height - 1);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { x: round(x), y: round(y), w: round(Math.max(1, Math.min(box.w, width - x))), h: round(Math.max(1, Math.min(box.h, height - y))) };
}

export async function createHumanBox(imageId: number, body: CreateBoxBody): Promise<HumanBoxDto> {
  const user = await resolveUser(body.user);
  const image = await db().image.findUnique({ where: { id: imageId }, select: { width: true, height: true } });
  if (!image) throw new AppError("not_found", `image ${imageId} not found`);
  return db().$transaction(async (tx) => {
    const box = await tx.box.create({ data: { imageId, source: "human", label: body.label ?? null, objectIndex: body.objectIndex ?? null, createdById: user.id, ...clamp(body, image) }, select: SELECT });
    await tx.auditLog.create({ data: { userId: user.id, action: "box.create", entity: "box", entityId: String(box.id), data: { imageId, box }, after: box, ...auditStamp() } });
    return box;
  });
}

async function editableBox(id: number, expectedVersion: number) {
  const box = await db().box.findUnique({ where: { id }, include: { image: { select: { width: true, height: true } } } });
  if (!box) throw new AppError("not_found", `box ${id} not found`);
  if (box.source !== "human") throw new AppError("invalid_input", `box ${id} is ${box.source} evidence; only human boxes can be edited`);
  if (box.version !== expectedVersion) throw new AppError("conflict", `box ${id} changed since you loaded it (version ${box.version}, you had ${expectedVersion}). Reload to see the latest.`);
  return box;
}

export async function updateHumanBox(id: number, body: UpdateBoxBody): Promise<HumanBoxDto> {
  const user = await resolveUser(body.user);
  const box = await editableBox(id, body.expectedVersion);
  const updated = await db().$transaction(async (tx) => {
    const updated = await tx.box.update({ where: { id }, data: { ...clamp(body, box.image), ...(body.label !== undefined ? { label: body.label } : {}), version: { increment: 1 } }, select: SELECT });
    await tx.auditLog.create({ data: { userId: user.id, action: "box.update", entity: "box", entityId: String(id), data: { before: { x: box.x, y: box.y, w: box.w, h: box.h, label: box.label }, after: updated }, ...auditStamp() } });
    return updated;
  });
  // a box labelled into a photo's scene moved: its relations may have changed
  await reverifyBoxScene(box.imageId, box.objectIndex);
  return updated;
}

export async function deleteHumanBox(id: number, options: { expectedVersion: number; user?: string }): Promise<{ id: number }> {
  const user = await resolveUser(options.user);
  const box = await editableBox(id, options.expectedVersion);
  await db().$transaction([
    db().box.delete({ where: { id } }),
    db().auditLog.create({ data: { userId: user.id, action: "box.delete", entity: "box", entityId: String(id), data: { before: { imageId: box.imageId, x: box.x, y: box.y, w: box.w, h: box.h, label: box.label } }, ...auditStamp() } }),
  ]);
  await reverifyBoxScene(box.imageId, box.objectIndex);
  return { id };
}
