import { z } from "zod";
import { LIMITS } from "@/lib/schemas/limits";

// Saved views of the trace list (docs/design.md §6 "Saved views"): a name for the list's URL state.
// `query` is the /traces query string (filters, sort, columns, mode); it is stored canonical
// (lib/schemas/trace-list.ts viewQuery), so opening a view is following a plain, shareable URL.

const name = z.string().trim().min(1, "a view needs a name").max(LIMITS.savedViewName, `at most ${LIMITS.savedViewName} characters`);
const query = z.string().max(LIMITS.savedViewQuery, `at most ${LIMITS.savedViewQuery} characters`);

export const savedViewBody = z.object({ name, query }).strict();
export const savedViewPatch = z
  .object({ name: name.optional(), query: query.optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.query !== undefined, { message: "give a new name or query" });

export type SavedViewBody = z.infer<typeof savedViewBody>;
export type SavedViewPatch = z.infer<typeof savedViewPatch>;

export interface SavedViewDto {
  id: number;
  name: string;
  /** canonical query string of /traces */
  query: string;
  /** the view's URL */
  href: string;
  updatedAt: string;
}
