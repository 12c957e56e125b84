import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { InjectedFaultDto, TraceDetail, TraceListPage, TraceListQuery } from "@/lib/schemas/traces";
import { getTraceVerification } from "@/lib/services/verdicts";

// Keyset pagination on id: the cursor is the last id of the previous page, so a page costs the
// same at row 100 and at row 100,000.

export async function listTraces(query: TraceListQuery): Promise<TraceListPage> {
  const where: Prisma.TraceWhereInput = {
    ...(query.dataset ? { dataset: { name: query.dataset } } : {}),
    ...(query.method ? { method: query.method } : {}),
  };
  const [rows, total] = await Promise.all([
    db().trace.findMany({
      where: { ...where, ...(query.cursor ? { id: { gt: query.cursor } } : {}) },
      orderBy: { id: "asc" },
      take: query.limit + 1,
      select: {
        id: true, externalId: true, question: true, method: true, format: true, stepCount: true, finalAnswer: true,
        answer: true, quality: true, valid: true, labelState: true, decision: true, dataset: { select: { name: true } },
      },
    }),
    db().trace.count({ where }),
  ]);
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(({ dataset, ...row }) => ({ ...row, dataset: dataset.name })),
    nextCursor: rows.length > query.limit ? page[page.length - 1].id : null,
    total,
  };
}

export async function getTrace(id: number): Promise<TraceDetail> {
  const trace = await db().trace.findUnique({
    where: { id },
    select: {
      id: true, externalId: true, question: true, answer: true, finalAnswer: true, method: true, format: true,
      teacherModel: true, teacherParams: true, quality: true, valid: true, decision: true, version: true, raw: true,
      dataset: { select: { id: true, name: true } },
      image: { select: { id: true, name: true, width: true, height: true, path: true, url: true } },
      scene: { select: { id: true, name: true, objects: { orderBy: { index: "asc" }, select: { index: true, color: true, size: true, shape: true, material: true, px: true, py: true, depth: true } } } },
      steps: { orderBy: { index: "asc" } },
      reviews: { where: { current: true }, orderBy: { id: "asc" }, include: { user: { select: { name: true } } } },
    },
  });
  if (!trace) throw new AppError("not_found", `trace ${id} not found`);
  const verification = await getTraceVerification(trace.id);
  const boxes = trace.image
    ? await db().box.findMany({ where: { imageId: trace.image.id }, orderBy: { id: "asc" }, select: { id: true, source: true, label: true, objectIndex: true, x: true, y: true, w: true, h: true, score: true, version: true } })
    : [];
  return {
    id: trace.id,
    externalId: trace.externalId,
    dataset: trace.dataset,
    question: trace.question,
    answer: trace.answer,
    finalAnswer: trace.finalAnswer,
    method: trace.method,
    format: trace.format,
    teacherModel: trace.teacherModel,
    teacherParams: trace.teacherParams,
    quality: trace.quality,
    valid: trace.valid,
    decision: trace.decision,
    version: trace.version,
    image: trace.image
      ? { id: trace.image.id, name: trace.image.name, width: trace.image.width, height: trace.image.height, available: Boolean(trace.image.path || trace.image.url), url: trace.image.url }
      : null,
    scene: trace.scene,
    boxes,
    steps: trace.steps.map((s) => ({
      id: s.id, index: s.index, kind: s.kind, text: s.text, tool: s.tool, callId: s.callId, args: s.args, result: s.result,
      refs: s.refs ? (JSON.parse(s.refs) as number[]) : [], revision: s.revision, version: s.version,
    })),
    reviews: trace.reviews.map((r) => ({
      id: r.id, stepId: r.stepId, label: r.label, comment: r.comment, source: r.source, user: r.user.name,
      provenance: r.provenance, createdAt: r.createdAt.toISOString(),
    })),
    verification,
    injected: injectedFaults(trace.raw),
  };
}

/** The scripted teacher records its injected faults in `meta.faults` of the canonical record. */
function injectedFaults(raw: string): InjectedFaultDto[] {
  if (!raw.startsWith("{") || !raw.includes('"faults"')) return [];
  try {
    const faults = (JSON.parse(raw) as { meta?: { faults?: unknown } }).meta?.faults;
    if (!Array.isArray(faults)) return [];
    return faults.filter((f): f is InjectedFaultDto => typeof f?.type === "string" && typeof f?.step === "number").map((f) => ({ type: f.type, step: f.step, detail: String(f.detail ?? "") }));
  } catch {
    return [];
  }
}

export async function getImageFile(imageId: number): Promise<{ path: string | null; url: string | null; mime: string | null } | null> {
  return db().image.findUnique({ where: { id: imageId }, select: { path: true, url: true, mime: true } });
}
