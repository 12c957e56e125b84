import { z } from "zod";
import { userName } from "@/lib/schemas/limits";
import { positiveId } from "@/lib/schemas/ids";
import type { BoxDto } from "@/lib/schemas/traces";

// Human boxes drawn on the canvas, in original-image pixels (COCO x, y, w, h).

const geometry = {
  x: z.number().finite(),
  y: z.number().finite(),
  w: z.number().finite().positive(),
  h: z.number().finite().positive(),
};

export const createBoxBody = z.object({
  ...geometry,
  label: z.string().max(200).optional(),
  objectIndex: z.number().int().nonnegative().nullable().optional(),
  user: userName.optional(),
}).strict();

export const updateBoxBody = z.object({
  ...geometry,
  expectedVersion: z.number().int().positive(),
  label: z.string().max(200).optional(),
  user: userName.optional(),
}).strict();

export const deleteBoxQuery = z.object({ expectedVersion: positiveId, user: userName.optional() });

export type CreateBoxBody = z.infer<typeof createBoxBody>;
export type UpdateBoxBody = z.infer<typeof updateBoxBody>;

/** A box as the canvas gets it (BoxDto), plus the image it belongs to. */
export type HumanBoxDto = BoxDto & { imageId: number };
