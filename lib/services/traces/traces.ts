import type { Principal } from "@/lib/auth/principal";
import { db } from "@/lib/db";
import { prepared, sql, sqlDialect } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { BoxDto, InjectedFaultDto, TraceDetail } from "@/lib/schemas/traces";
import { getTraceVerification } from "@/lib/services/verify/verdicts";

// The review page's read. Five statements through the SQL seam, sent together (cached prepared
// statements on SQLite's shared connection, the pool on PostgreSQL) (the trace with its
// dataset, image and blind flag; scene objects; steps; current reviews; boxes) instead of one
// nested Prisma read: about a fifth of the CPU at 100k traces (bench/README.md, load). `raw` is
// read only when it holds injected faults.

interface TraceRow {
  id: number; externalId: string; question: string; answer: string | null; answerUnreliable: string | null; finalAnswer: string | null; method: string; format: string;
  teacherModel: string | null; teacherParams: string | null; quality: number | null; valid: number | null; decision: string | null; version: number;
  faultsRaw: string | null; runId: number | null; sceneId: number | null; datasetId: number; datasetName: string; blind: number | null;
  imageId: number | null; imageName: string | null; imageWidth: number | null; imageHeight: number | null; imagePath: string | null; imageUrl: string | null;
  sceneName: string | null; sceneKind: string | null;
}

const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** SQLite's CURRENT_TIMESTAMP ("2026-12-06 23:10:00", UTC) or an ISO string → ISO. */
function iso(value: string | number): string {
  if (typeof value === "number") return new Date(value).toISOString();
  return new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(value) && !/[zZ+]/.test(value.slice(19)) ? `${value.replace(" ", "T")}Z` : value).toISOString();
}

/**
 * One trace with its steps, current labels, verification and boxes. In a blind dataset a
 * non-admin `viewer` sees only their own labels (and imported ones), and their own decision.
 */
export async function getTrace(id: number, viewer: Principal | null = null): Promise<TraceDetail> {
  const q = await sql();
  const hasFaults = sqlDialect() === "postgres" ? `strpos(t."raw", '"faults"') > 0` : `instr(t."raw", '"faults"') > 0`;
  // every read but the verification's goes out at once (on PostgreSQL one pooled connection each;
  // on SQLite each settles synchronously as before): the scene objects and boxes find the trace's
  // scene and image by a subquery instead of waiting for the trace row — one round trip of waiting,
  // not two. Marked `prepared`: planned once per connection on PostgreSQL.
  const [trace, objects, steps, reviewRows, boxes] = await Promise.all([
    q.get<TraceRow>(
      prepared(`SELECT t."id", t."externalId", t."question", t."answer", t."answerUnreliable", t."finalAnswer", t."method", t."format", t."teacherModel", t."teacherParams", t."quality", t."valid",
            t."decision", t."version", CASE WHEN ${hasFaults} THEN t."raw" END AS "faultsRaw", t."runId", t."sceneId",
            d."id" AS "datasetId", d."name" AS "datasetName", p."blind",
            i."id" AS "imageId", i."name" AS "imageName", i."width" AS "imageWidth", i."height" AS "imageHeight", i."path" AS "imagePath", i."url" AS "imageUrl",
            s."name" AS "sceneName", s."kind" AS "sceneKind"
     FROM "Trace" t JOIN "Dataset" d ON d."id" = t."datasetId" LEFT JOIN "ReviewPolicy" p ON p."datasetId" = d."id"
     LEFT JOIN "Image" i ON i."id" = t."imageId" LEFT JOIN "Scene" s ON s."id" = t."sceneId"
     WHERE t."id" = ?`),
      [id],
    ),
    q.all<{ index: number; color: string | null; size: string | null; shape: string | null; material: string | null; px: number | null; py: number | null; depth: number | null; extra: string | null }>(
      prepared(`SELECT "index", "color", "size", "shape", "material", "px", "py", "depth", "extra" FROM "SceneObject" WHERE "sceneId" = (SELECT "sceneId" FROM "Trace" WHERE "id" = ?) ORDER BY "index"`),
      [id],
    ),
    q.all<{ id: number; index: number; kind: string; text: string | null; tool: string | null; callId: string | null; args: string | null; result: string | null; refs: string | null; revision: number; version: number }>(
      prepared(`SELECT "id", "index", "kind", "text", "tool", "callId", "args", "result", "refs", "revision", "version" FROM "Step" WHERE "traceId" = ? ORDER BY "index"`),
      [id],
    ),
    q.all<{ id: number; stepId: number | null; userId: number; label: string; comment: string | null; source: string; user: string; provenance: string | null; createdAt: string | number }>(
      prepared(`SELECT r."id", r."stepId", r."userId", r."label", r."comment", r."source", u."name" AS "user", r."provenance", r."createdAt" FROM "Review" r JOIN "User" u ON u."id" = r."userId" WHERE r."traceId" = ? AND r."current" = TRUE ORDER BY r."id"`),
      [id],
    ),
    q.all<BoxDto>(prepared(`SELECT "id", "source", "label", "objectIndex", "x", "y", "w", "h", "score", "version" FROM "Box" WHERE "imageId" = (SELECT "imageId" FROM "Trace" WHERE "id" = ?) ORDER BY "id"`), [id]),
  ]);
  if (!trace) throw new AppError("not_found", `trace ${id} not found`);
  const verification = await getTraceVerification(trace.id, trace.runId);
  let reviews = reviewRows;
  let decision = trace.decision;
  // blind review (docs/design.md §13): a non-admin sees their own labels and imported ones
  if (viewer && viewer.role !== "admin" && trace.blind) {
    reviews = reviews.filter((r) => r.userId === viewer.userId || r.source.startsWith("external:"));
    decision = reviews.find((r) => r.stepId === null && r.source === "human")?.label ?? null;
  }
  return {
    id: trace.id,
    externalId: trace.externalId,
    dataset: { id: trace.datasetId, name: trace.datasetName },
    question: trace.question,
    answer: trace.answer,
    answerUnreliable: trace.answerUnreliable,
    finalAnswer: trace.finalAnswer,
    method: trace.method,
    format: trace.format,
    teacherModel: trace.teacherModel,
    teacherParams: json(trace.teacherParams),
    quality: trace.quality,
    valid: trace.valid === null ? null : trace.valid === 1,
    decision,
    version: trace.version,
    image:
      trace.imageId !== null
        ? { id: trace.imageId, name: trace.imageName!, width: trace.imageWidth, height: trace.imageHeight, available: Boolean(trace.imagePath || trace.imageUrl), url: trace.imageUrl }
        : null,
    scene:
      trace.sceneId !== null
        ? {
            id: trace.sceneId,
            name: trace.sceneName!,
            kind: trace.sceneKind!,
            objects: objects.map(({ extra: text, ...o }) => {
              const extra = json(text);
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
    steps: steps.map((s) => ({
      id: s.id, index: s.index, kind: s.kind, text: s.text, tool: s.tool, callId: s.callId, args: json(s.args), result: json(s.result),
      refs: s.refs ? (JSON.parse(s.refs) as number[]) : [], revision: s.revision, version: s.version,
    })),
    reviews: reviews.map((r) => ({
      id: r.id, stepId: r.stepId, label: r.label, comment: r.comment, source: r.source, user: r.user, provenance: json(r.provenance), createdAt: iso(r.createdAt),
    })),
    verification,
    injected: injectedFaults(trace.faultsRaw),
  };
}
/** The scripted teacher records its injected faults in `meta.faults` of the canonical record. */
function injectedFaults(raw: string | null): InjectedFaultDto[] {
  if (!raw || !raw.startsWith("{") || !raw.includes('"faults"')) return [];
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
