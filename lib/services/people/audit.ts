import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AuditQuery, AuditRowDto } from "@/lib/schemas/people";

// Reading the audit log (docs/design.md §13): filters, keyset paging (newest first), CSV.
// Rows are only ever appended; the one later write is `undoneAt` on review actions.

function where(query: AuditQuery): Prisma.AuditLogWhereInput {
  const and: Prisma.AuditLogWhereInput[] = [];
  if (query.user) and.push({ user: { OR: [{ name: query.user }, { email: query.user.toLowerCase() }] } });
  if (query.action) and.push({ action: { contains: query.action } });
  if (query.entity) and.push({ entity: query.entity });
  if (query.entityId) and.push({ entityId: query.entityId });
  if (query.requestId) and.push({ requestId: query.requestId });
  if (query.since) and.push({ createdAt: { gte: query.since } });
  if (query.until) and.push({ createdAt: { lte: query.until } });
  if (query.before) and.push({ id: { lt: query.before } });
  return { AND: and };
}

export async function listAudit(query: AuditQuery): Promise<{ rows: AuditRowDto[]; next: number | null }> {
  const rows = await db().auditLog.findMany({ where: where(query), orderBy: { id: "desc" }, take: query.limit + 1, include: { user: { select: { name: true } } } });
  const page = rows.slice(0, query.limit);
  return {
    rows: page.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      user: r.user?.name ?? null,
      userId: r.userId,
      tokenId: r.tokenId,
      role: r.role,
      action: r.action,
      entity: r.entity,
      entityId: r.entityId,
      requestId: r.requestId,
      before: r.before ?? null,
      after: r.after ?? null,
      data: r.data ?? null,
      undone: Boolean(r.undoneAt),
    })),
    next: rows.length > query.limit ? page[page.length - 1].id : null,
  };
}

const COLUMNS = ["id", "createdAt", "user", "userId", "tokenId", "role", "action", "entity", "entityId", "requestId", "undone", "before", "after", "data"] as const;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  // RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets do not run it as a formula
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Every matching row (up to 100 000), oldest last, as CSV. */
export async function auditCsv(query: AuditQuery): Promise<string> {
  const lines = [COLUMNS.join(",")];
  let before = query.before;
  for (let fetched = 0; fetched < 100_000; ) {
    const page = await listAudit({ ...query, before, limit: 1000 });
    for (const row of page.rows) lines.push(COLUMNS.map((c) => cell(row[c])).join(","));
    fetched += page.rows.length;
    if (page.next === null) break;
    before = page.next;
  }
  return `${lines.join("\r\n")}\r\n`;
}
