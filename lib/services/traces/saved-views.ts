import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { LIMITS } from "@/lib/schemas/limits";
import type { SavedViewBody, SavedViewDto, SavedViewPatch } from "@/lib/schemas/saved-views";
import { traceFilters, viewQuery } from "@/lib/schemas/trace-list";
import { resolveUser } from "@/lib/services/review/users";

// Saved views of the trace list, per user (docs/design.md §6 "Saved views"). A view is its URL
// state: the query string is validated as the list would read it and stored canonical, so the same
// filter saved twice compares equal and the list can tell which view is open.

function canonical(query: string): string {
  const params = new URLSearchParams(query.replace(/^\?/, ""));
  const text = viewQuery(params);
  const parsed = traceFilters.safeParse(Object.fromEntries(new URLSearchParams(text)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("invalid_input", `query.${issue.path.join(".")}: ${issue.message}`, parsed.error.issues.map((i) => ({ path: `query.${i.path.join(".")}`, error: i.message })));
  }
  return text;
}

const dto = (row: { id: number; name: string; query: string; updatedAt: Date }): SavedViewDto => ({
  id: row.id, name: row.name, query: row.query, href: row.query ? `/traces?${row.query}` : "/traces", updatedAt: row.updatedAt.toISOString(),
});

async function owned(id: number, userId: number) {
  const row = await db().savedView.findUnique({ where: { id } });
  // another user's view is as absent as a deleted one
  if (!row || row.userId !== userId) throw new AppError("not_found", `saved view ${id} not found`);
  return row;
}

async function nameFree(userId: number, name: string, except?: number): Promise<void> {
  const clash = await db().savedView.findUnique({ where: { userId_name: { userId, name } }, select: { id: true } });
  if (clash && clash.id !== except) throw new AppError("conflict", `you already have a view named "${name}"; pick another name or rename that one`, [{ path: "name", error: "taken" }]);
}

export async function listSavedViews(userName?: string): Promise<SavedViewDto[]> {
  const user = await resolveUser(userName);
  const rows = await db().savedView.findMany({ where: { userId: user.id }, orderBy: [{ name: "asc" }, { id: "asc" }] });
  return rows.map(dto);
}

export async function createSavedView(body: SavedViewBody, userName?: string): Promise<SavedViewDto> {
  const user = await resolveUser(userName);
  const query = canonical(body.query);
  await nameFree(user.id, body.name);
  if ((await db().savedView.count({ where: { userId: user.id } })) >= LIMITS.savedViews) {
    throw new AppError("too_large", `at most ${LIMITS.savedViews} saved views per user; delete some first`);
  }
  return dto(await db().savedView.create({ data: { userId: user.id, name: body.name, query } }));
}

export async function updateSavedView(id: number, body: SavedViewPatch, userName?: string): Promise<SavedViewDto> {
  const user = await resolveUser(userName);
  await owned(id, user.id);
  if (body.name !== undefined) await nameFree(user.id, body.name, id);
  const query = body.query !== undefined ? canonical(body.query) : undefined;
  return dto(await db().savedView.update({ where: { id }, data: { ...(body.name !== undefined ? { name: body.name } : {}), ...(query !== undefined ? { query } : {}) } }));
}

export async function deleteSavedView(id: number, userName?: string): Promise<{ deleted: number }> {
  const user = await resolveUser(userName);
  await owned(id, user.id);
  await db().savedView.delete({ where: { id } });
  return { deleted: id };
}
