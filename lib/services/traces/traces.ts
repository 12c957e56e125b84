import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { InjectedFaultDto, TraceDetail } from "@/lib/schemas/traces";
import { visibleReviewers } from "@/lib/services/review/review-slots";
import { getTraceVerification } from "@/lib/services/verify/verdicts";

/**
 * One trace with its steps, current labels, verification and boxes. In a blind dataset a
 * non-admin `viewer` sees only their own labels (and imported ones), and their own decision.
 */
export async function getTrace(id: number, viewer: Principal | null = null): Promise<TraceDetail> {
  const trace = await db().trace.findUnique({
    where: { id },
    select: {
      id: true, externalId: true, question: true, answer: true, answerUnreliable: true, finalAnswer: true, method: true, format: true,
      teacherModel: true, teacherParams: true, quality: true, valid: true, decision: true, version: true, raw: true, runId: true,
      dataset: { select: { id: true, name: true } },
      image: { select: { id: true, name: true, width: true, height: true, path: true, url: true } },
      scene: { select: { id: true, name: true, kind: true, objects: { orderBy: { index: "asc" }, select: { index: true, color: true, size: true, shape: true, material: true, px: true, py: true, depth: true, extra: true } } } },
      steps: { orderBy: { index: "asc" } },
      reviews: { where: { current: true }, orderBy: { id: "asc" }, include: { user: { select: { name: true } } } },
    },
  });
  if (!trace) throw new AppError("not_found", `trace ${id} not found`);
  const onlyUser = await visibleReviewers(trace.id, viewer);
  if (onlyUser !== null) {
    trace.reviews = trace.reviews.filter((r) => r.userId === onlyUser || r.source.startsWith("external:"));
    trace.decision = trace.reviews.find((r) => r.stepId === null && r.source === "human")?.label ?? null;
  }
  const [verification, boxes] = await Promise.all([
    getTraceVerification(trace.id, trace.runId),
    trace.image
      ? db().box.findMany({ where: { imageId: trace.image.id }, orderBy: { id: "asc" }, select: { id: true, source: true, label: true, objectIndex: true, x: true, y: true, w: true, h: true, score: true, version: true } })
      : [],
  ]);
  return {
    id: trace.id,
    externalId: trace.externalId,
    dataset: trace.dataset,
    question: trace.question,
    answer: trace.answer,
    answerUnreliable: trace.answerUnreliable,
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
    scene: trace.scene
      ? {
          id: trace.scene.id,
          name: trace.scene.name,
          kind: trace.scene.kind,
          objects: trace.scene.objects.map(({ extra, ...o }) => {
            const photo = extra && typeof extra === "object" && !Array.isArray(extra) ? (extra as { category?: unknown; attributes?: unknown }) : null;
            return {
              ...o,
              category: typeof photo?.category === "string" ? photo.category : null,
              attributes: photo?.attributes && typeof photo.attributes === "object" ? Object.values(photo.attributes as Record<string, string[]>).flat() : [],
            };
          }),
        }
      : null,
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
