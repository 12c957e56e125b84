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

/**
 * A human box labelled as an object of its photo's scene (docs/design.md §3): its category and
 * attribute words ("white", "closed"). The box joins the image's `graph` / `boxes` scene (a
 * `boxes` scene is made for a photo without one) and the traces on the image are verified again.
 */
export const labelBoxBody = z.object({
  expectedVersion: z.number().int().positive(),
  category: z.string().trim().min(1, "a category is required").max(100),
  attributes: z.array(z.string().trim().min(1).max(60)).max(20).default([]),
  user: userName.optional(),
}).strict();

export type LabelBoxBody = z.infer<typeof labelBoxBody>;

export interface LabelledBoxDto {
  box: HumanBoxDto;
  sceneId: number;
  objectIndex: number;
  /** The traces verified again, with their validity after it. */
  reverified: Array<{ traceId: number; valid: boolean | null }>;
}
