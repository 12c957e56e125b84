import { createHash, randomInt } from "node:crypto";
import path from "node:path";
import { auditStamp } from "@/lib/auth/context";
import { db } from "@/lib/db";
import { AppError, parseOrInvalid } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { listJobs } from "@/lib/jobs/jobs";
import type { JobRow } from "@/lib/jobs/types";
import { endpointConfig, type EndpointConfig } from "@/lib/schemas/endpoint";
import type { GenerationConfig } from "@/lib/schemas/generation";
import {
  regenerateBody,
  restoreBody,
  type BranchDto,
  type BranchStepDto,
  type ContinuationsDto,
  type RegenerateBody,
  type RegenerateResultDto,
  type RestoreBody,
} from "@/lib/schemas/regenerate";
import type { CanonicalStep } from "@/lib/schemas/trace";
import { BUILTIN_MODEL, builtinTeacherUrl } from "@/lib/services/generate/builtin-teacher";
import { GENERATION_KIND, liveEndpoint } from "@/lib/services/generate/generation";
import { imagesRoot } from "@/lib/services/import/image-store";
import { refreshTraceReviewState } from "@/lib/services/review/reviews";
import { resolveUser, type UserRef } from "@/lib/services/review/users";
import { loadToolScenes } from "@/lib/services/traces/scenes";
import { reverifyTrace } from "@/lib/services/verify/verify";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { imagePart } from "@/lib/teacher/endpoint/image";
import type { ChatMessage, WireToolCall } from "@/lib/teacher/endpoint/types";
import { DEFAULT_SYSTEM_PROMPT, openConversation, shouldStop, takeTurn, type LoopOptions } from "@/lib/teacher/runner/loop";
import { stepRefs } from "@/lib/tools/refs";
import { toolJsonSchemas } from "@/lib/tools/registry";

// Re-generate from here (docs/design.md §6): the trace is cut after a chosen step, the conversation
// up to the cut is rebuilt (system prompt and question as the generation runner opens it, each
// teacher turn's text and tool calls, Stepwise's tool results), and the teacher continues through
// the Generation runner's tool loop (lib/teacher/runner/loop.ts) against the endpoint configured for
// the trace — the generation job that wrote it, else the dataset's latest generation job — or one
// chosen in the request. Only when the teacher answered is anything written: in one transaction the
// old continuation (with the human labels it carried) becomes a TraceBranch, the new steps take its
// place, and the trace is re-verified in its latest run. A branch can be viewed and restored; a
// restore archives the continuation it replaces in turn, so nothing is ever lost.

type Tx = Prisma.TransactionClient;

const DEFAULT_MAX_TURNS = 16;

interface ResolvedTeacher {
  client: EndpointClient;
  label: string;
  system: string | null;
  sendImage: boolean;
  maxTurns: number;
  tokenBudget: number | null;
}

/** The generation job that wrote the trace (its external id is gen-j<job>:…), else the dataset's latest. */
async function configuredJob(trace: { externalId: string; dataset: { name: string } }): Promise<JobRow | null> {
  const jobs = await listJobs({ kind: GENERATION_KIND, limit: 1000 });
  const own = /^gen-j(\d+):/.exec(trace.externalId);
  if (own) {
    const job = jobs.find((j) => j.id === Number(own[1]));
    if (job) return job;
  }
  return jobs.find((j) => (j.config as GenerationConfig).dataset === trace.dataset.name) ?? null;
}

function jobLabel(job: JobRow): string {
  const config = job.config as GenerationConfig;
  return config.builtin ? `built-in teacher (${config.endpoint.model}) of generation job #${job.id}` : `${config.endpoint.model} at ${config.endpoint.baseUrl} (generation job #${job.id})`;
}

async function resolveTeacher(body: ReturnType<typeof regenerateBody.parse>, trace: { externalId: string; dataset: { name: string } }): Promise<ResolvedTeacher> {
  const teacher = body.teacher;
  if (teacher.kind === "builtin") {
    const url = await builtinTeacherUrl({ faults: teacher.faults, latencyMs: 0, misbehaveRate: 0 });
    return { client: new EndpointClient({ baseUrl: url, model: BUILTIN_MODEL, maxRetries: 2 }), label: `built-in teacher (${BUILTIN_MODEL}, faults ${teacher.faults})`, system: null, sendImage: false, maxTurns: body.maxTurns ?? DEFAULT_MAX_TURNS, tokenBudget: null };
  }
  if (teacher.kind === "endpoint") {
    const config: EndpointConfig = parseOrInvalid(endpointConfig, { baseUrl: teacher.baseUrl, model: teacher.model, ...(teacher.apiKeyEnv ? { apiKeyEnv: teacher.apiKeyEnv } : {}) }, (p) => `teacher.${p}`);
    return { client: new EndpointClient(config), label: `${config.model} at ${config.baseUrl}`, system: null, sendImage: false, maxTurns: body.maxTurns ?? DEFAULT_MAX_TURNS, tokenBudget: null };
  }
  const job = await configuredJob(trace);
  if (!job) throw new AppError("invalid_input", noTeacherReason(trace.dataset.name), [{ path: "teacher", error: "no teacher configured" }]);
  const config = job.config as GenerationConfig;
  return {
    client: new EndpointClient(await liveEndpoint(config)),
    label: jobLabel(job),
    system: config.system ?? null,
    sendImage: config.sendImage,
    maxTurns: body.maxTurns ?? config.maxTurns ?? DEFAULT_MAX_TURNS,
    tokenBudget: config.tokenBudget ?? null,
  };
}

function noTeacherReason(dataset: string): string {
  return `no teacher is configured for dataset "${dataset}": its traces were not generated here. Generate traces into it (Generate page, or stepwise generate) to configure one, or choose an endpoint`;
}

type StepRow = { id: number; index: number; kind: string; text: string | null; tool: string | null; callId: string | null; args: unknown; result: unknown; revision: number };

/** The index the cut really keeps through: a tool call keeps the result that answers it. */
export function cutIndex(steps: ReadonlyArray<Pick<StepRow, "index" | "kind" | "callId">>, afterStep: number): number {
  const at = steps.find((s) => s.index === afterStep);
  if (!at) throw new AppError("invalid_input", `the trace has no step ${afterStep} (steps 0–${steps.length - 1})`, [{ path: "afterStep", error: "out of range" }]);
  let cut = afterStep;
  // a call and its results go together: the conversation cannot hold a call without its answer
  while (true) {
    const next = steps.find((s) => s.index === cut + 1);
    const current = steps.find((s) => s.index === cut)!;
    if (next && next.kind === "tool_result" && (current.kind === "tool_call" || current.kind === "tool_result")) cut++;
    else break;
  }
  const answer = steps.find((s) => s.kind === "answer");
  if (answer && answer.index <= cut) throw new AppError("invalid_input", `step ${afterStep} is at or after the final answer: there is nothing left for the teacher to write`, [{ path: "afterStep", error: "after the answer" }]);
  return cut;
}

/** The conversation a teacher would have seen up to the cut: one assistant message per turn. */
export function conversationOf(kept: ReadonlyArray<Pick<StepRow, "kind" | "text" | "tool" | "callId" | "args" | "result">>): { messages: ChatMessage[]; steps: CanonicalStep[]; calls: number } {
  const messages: ChatMessage[] = [];
  const steps: CanonicalStep[] = [];
  let texts: string[] = [];
  let calls: WireToolCall[] = [];
  let results: ChatMessage[] = [];
  let count = 0;
  const toolOf = new Map<string, string>();
  const flush = () => {
    if (!texts.length && !calls.length) return;
    messages.push(calls.length ? { role: "assistant", content: texts.join("\n\n") || null, tool_calls: calls } : { role: "assistant", content: texts.join("\n\n") });
    messages.push(...results);
    texts = [];
    calls = [];
    results = [];
  };
  for (const step of kept) {
    if (step.kind === "tool_call") {
      if (results.length) flush();
      count++;
      const id = step.callId ?? `call_${count}`;
      toolOf.set(id, step.tool ?? "unknown");
      calls.push({ id, type: "function", function: { name: step.tool ?? "unknown", arguments: JSON.stringify(step.args ?? {}) } });
      steps.push({ kind: "tool_call", id, tool: step.tool ?? "unknown", args: (step.args ?? {}) as Record<string, unknown> });
    } else if (step.kind === "tool_result") {
      const id = step.callId ?? calls[calls.length - 1]?.id ?? `call_${count}`;
      results.push({ role: "tool", tool_call_id: id, name: toolOf.get(id) ?? "unknown", content: JSON.stringify(step.result ?? null) });
      steps.push({ kind: "tool_result", call: id, output: step.result ?? null });
    } else {
      // text after a call's results starts the next turn
      if (calls.length) flush();
      texts.push(step.kind === "answer" ? `Answer: ${step.text ?? ""}` : (step.text ?? ""));
      steps.push({ kind: step.kind as "plan", text: step.text ?? "" } as CanonicalStep);
    }
  }
  flush();
  return { messages, steps, calls: count };
}

function prefixHash(kept: ReadonlyArray<Pick<StepRow, "kind" | "text" | "tool" | "callId" | "args" | "result">>): string {
  return createHash("sha256").update(JSON.stringify(kept.map((s) => [s.kind, s.text, s.tool, s.callId, s.args, s.result]))).digest("hex").slice(0, 32);
}

const STEP_SELECT = { id: true, index: true, kind: true, text: true, tool: true, callId: true, args: true, result: true, revision: true } as const;

async function traceFor(traceId: number) {
  const trace = await db().trace.findUnique({
    where: { id: traceId },
    select: {
      id: true, externalId: true, question: true, version: true, finalAnswer: true, sceneId: true,
      dataset: { select: { name: true } },
      image: { select: { name: true, path: true, url: true, mime: true } },
      steps: { orderBy: { index: "asc" }, select: STEP_SELECT },
    },
  });
  if (!trace) throw new AppError("not_found", `trace ${traceId} not found`);
  return trace;
}

function versionConflict(current: number, expected: number): AppError {
  return new AppError("conflict", `the trace changed since you loaded it (version ${current}, you had ${expected}): reload to see the latest and try again.`);
}

/** Archives steps after `afterIndex` (with their current human labels) as a branch and deletes them. */
async function archive(tx: Tx, trace: { id: number; finalAnswer: string | null }, steps: StepRow[], afterIndex: number, reason: "regenerate" | "restore", teacher: string, user: UserRef): Promise<{ branch: number; removed: number }> {
  const old = steps.filter((s) => s.index > afterIndex);
  const labels = await tx.review.findMany({
    where: { stepId: { in: old.map((s) => s.id) }, current: true, source: "human" },
    select: { stepId: true, userId: true, label: true, comment: true, user: { select: { name: true } } },
  });
  const archived: BranchStepDto[] = old.map((s) => ({
    index: s.index, kind: s.kind, text: s.text, tool: s.tool, callId: s.callId, args: s.args ?? null, result: s.result ?? null, revision: s.revision,
    labels: labels.filter((l) => l.stepId === s.id).map((l) => ({ userId: l.userId, reviewer: l.user.name, label: l.label, comment: l.comment })),
  }));
  const branch = await tx.traceBranch.create({
    data: {
      traceId: trace.id, afterIndex, reason, steps: archived as unknown as Prisma.InputJsonValue, finalAnswer: trace.finalAnswer,
      prefixHash: prefixHash(steps.filter((s) => s.index <= afterIndex)), teacher, createdBy: user.name,
    },
    select: { id: true },
  });
  await tx.step.deleteMany({ where: { traceId: trace.id, index: { gt: afterIndex } } });
  return { branch: branch.id, removed: old.length };
}

type NewStep = { kind: string; text?: string | null; tool?: string | null; callId?: string | null; args?: unknown; result?: unknown };

async function insertSteps(tx: Tx, traceId: number, from: number, steps: NewStep[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [k, step] of steps.entries()) {
    const refs = stepRefs({ kind: step.kind, tool: step.tool ?? null, args: step.args, result: step.result, text: step.text ?? null });
    const row = await tx.step.create({
      data: {
        traceId, index: from + k, kind: step.kind, text: step.text ?? null, tool: step.tool ?? null, callId: step.callId ?? null,
        args: (step.args ?? undefined) as Prisma.InputJsonValue | undefined,
        result: (step.result === undefined ? undefined : step.result) as Prisma.InputJsonValue | undefined,
        refs: refs.length ? JSON.stringify(refs) : null,
      },
      select: { id: true },
    });
    ids.push(row.id);
  }
  return ids;
}

function fromCanonical(step: CanonicalStep): NewStep {
  switch (step.kind) {
    case "tool_call":
      return { kind: "tool_call", tool: step.tool, callId: step.id, args: step.args, text: step.text ?? null };
    case "tool_result":
      return { kind: "tool_result", callId: step.call, result: step.output };
    default:
      return { kind: step.kind, text: step.text };
  }
}

async function audit(tx: Tx, user: UserRef, action: string, traceId: number, data: Record<string, unknown>) {
  await tx.auditLog.create({ data: { userId: user.id, action, entity: "trace", entityId: String(traceId), data: data as Prisma.InputJsonValue, ...auditStamp() } });
}

/** Cuts the trace after a step and lets the teacher continue; the old continuation becomes a branch. */
export async function regenerateFrom(traceId: number, input: RegenerateBody & { user?: string }, options: { signal?: AbortSignal } = {}): Promise<RegenerateResultDto> {
  const { user: userName, ...rest } = input;
  const body = parseOrInvalid(regenerateBody, rest, (p) => p || "body");
  const user = await resolveUser(userName);
  const trace = await traceFor(traceId);
  if (trace.version !== body.expectedVersion) throw versionConflict(trace.version, body.expectedVersion);
  const cut = cutIndex(trace.steps, body.afterStep);
  if (!trace.sceneId) throw new AppError("invalid_input", "this trace has no scene: the teacher's tool calls need one to run on", [{ path: "trace", error: "no scene" }]);
  const scene = (await loadToolScenes([trace.sceneId])).get(trace.sceneId);
  if (!scene) throw new AppError("invalid_input", "the trace's scene could not be loaded", [{ path: "trace", error: "no scene" }]);
  const teacher = await resolveTeacher(body, trace);

  const kept = trace.steps.filter((s) => s.index <= cut);
  let part = null;
  if (teacher.sendImage && trace.image) {
    try {
      part = imagePart({ file: trace.image.path ? path.join(imagesRoot(), trace.image.path) : null, url: trace.image.url, mime: trace.image.mime });
    } catch {
      part = null;
    }
  }
  const state = openConversation({ system: teacher.system ?? DEFAULT_SYSTEM_PROMPT, question: trace.question, image: trace.image?.name ?? null, imagePart: part });
  const prefix = conversationOf(kept);
  state.messages.push(...prefix.messages);
  state.steps.push(...prefix.steps);
  state.callCount = prefix.calls;
  const seed = body.seed ?? randomInt(0, 2 ** 31 - 1);
  const loop: LoopOptions = { client: teacher.client, scene, tools: toolJsonSchemas(), maxTurns: teacher.maxTurns, tokenBudget: teacher.tokenBudget, signal: options.signal };
  while (!shouldStop(state, loop)) await takeTurn(state, loop, seed);
  const added = state.steps.slice(prefix.steps.length).map(fromCanonical);
  if (!added.length) {
    throw new AppError("invalid_input", `the teacher (${teacher.label}) wrote nothing after step ${cut} (stop reason: ${state.stop ?? "unknown"}); the trace is unchanged`, [{ path: "teacher", error: `stopped: ${state.stop}` }]);
  }
  const finalAnswer = added.findLast((s) => s.kind === "answer")?.text ?? null;
  const teacherLabel = `${teacher.label}, seed ${seed}`;

  const written = await db().$transaction(async (tx) => {
    const now = await tx.trace.findUniqueOrThrow({ where: { id: traceId }, select: { version: true } });
    if (now.version !== body.expectedVersion) throw versionConflict(now.version, body.expectedVersion);
    const steps = await tx.step.findMany({ where: { traceId }, orderBy: { index: "asc" }, select: STEP_SELECT });
    const { branch, removed } = await archive(tx, trace, steps, cut, "regenerate", teacherLabel, user);
    await insertSteps(tx, traceId, cut + 1, added);
    const updated = await tx.trace.update({ where: { id: traceId }, data: { stepCount: cut + 1 + added.length, finalAnswer, version: { increment: 1 } }, select: { version: true } });
    await audit(tx, user, "review.regenerate", traceId, { afterIndex: cut, branch, removed, added: added.length, teacher: teacherLabel, stopReason: state.stop });
    return { branch, removed, version: updated.version };
  });
  await reverifyTrace(traceId);
  await refreshTraceReviewState(traceId);
  return { traceId, traceVersion: written.version, afterIndex: cut, branch: written.branch, added: added.length, removed: written.removed, stopReason: state.stop ?? "answer", teacher: teacherLabel, finalAnswer };
}

/** Puts an archived continuation back (its labels too); the one it replaces becomes a branch. */
export async function restoreBranch(traceId: number, branchId: number, input: RestoreBody & { user?: string }): Promise<RegenerateResultDto> {
  const { user: userName, ...rest } = input;
  const body = parseOrInvalid(restoreBody, rest, (p) => p || "body");
  const user = await resolveUser(userName);
  const result = await db().$transaction(async (tx) => {
    const trace = await tx.trace.findUnique({ where: { id: traceId }, select: { id: true, version: true, finalAnswer: true } });
    if (!trace) throw new AppError("not_found", `trace ${traceId} not found`);
    if (trace.version !== body.expectedVersion) throw versionConflict(trace.version, body.expectedVersion);
    const branch = await tx.traceBranch.findFirst({ where: { id: branchId, traceId } });
    if (!branch) throw new AppError("not_found", `trace ${traceId} has no archived continuation ${branchId}`);
    const steps = await tx.step.findMany({ where: { traceId }, orderBy: { index: "asc" }, select: STEP_SELECT });
    if (branch.afterIndex >= steps.length) throw new AppError("conflict", `the trace now has ${steps.length} steps, fewer than the ${branch.afterIndex + 1} this continuation follows`);
    const matches = prefixHash(steps.filter((s) => s.index <= branch.afterIndex)) === branch.prefixHash;
    if (!matches && !body.force) {
      throw new AppError("conflict", `steps 0–${branch.afterIndex} changed since this continuation was archived (edited, or re-generated from an earlier step), so it may no longer follow from them; restore with force to put it back anyway`, [{ path: "force", error: "prefix changed" }]);
    }
    const restored = branch.steps as unknown as BranchStepDto[];
    const archived = await archive(tx, trace, steps, branch.afterIndex, "restore", `restored continuation #${branch.id}`, user);
    const ids = await insertSteps(tx, traceId, branch.afterIndex + 1, restored);
    for (const [k, step] of restored.entries()) {
      for (const label of step.labels) {
        await tx.review.create({ data: { traceId, stepId: ids[k], userId: label.userId, label: label.label, comment: label.comment, revision: 0, source: "human", current: true } });
      }
    }
    await tx.traceBranch.delete({ where: { id: branch.id } });
    const updated = await tx.trace.update({ where: { id: traceId }, data: { stepCount: branch.afterIndex + 1 + restored.length, finalAnswer: branch.finalAnswer, version: { increment: 1 } }, select: { version: true } });
    await audit(tx, user, "review.restore", traceId, { afterIndex: branch.afterIndex, restored: branch.id, branch: archived.branch, removed: archived.removed, added: restored.length });
    return { branch: archived.branch, removed: archived.removed, added: restored.length, afterIndex: branch.afterIndex, version: updated.version, finalAnswer: branch.finalAnswer };
  });
  await reverifyTrace(traceId);
  await refreshTraceReviewState(traceId);
  return { traceId, traceVersion: result.version, afterIndex: result.afterIndex, branch: result.branch, added: result.added, removed: result.removed, stopReason: "restore", teacher: `restored continuation #${branchId}`, finalAnswer: result.finalAnswer };
}

/** The configured teacher (or why there is none) and the trace's archived continuations, newest first. */
export async function listContinuations(traceId: number): Promise<ContinuationsDto> {
  const trace = await traceFor(traceId);
  const job = await configuredJob(trace);
  const branches = await db().traceBranch.findMany({ where: { traceId }, orderBy: { id: "desc" } });
  const hashes = new Map<number, string>();
  const prefixOf = (afterIndex: number) => {
    if (!hashes.has(afterIndex)) hashes.set(afterIndex, prefixHash(trace.steps.filter((s) => s.index <= afterIndex)));
    return hashes.get(afterIndex)!;
  };
  return {
    traceId,
    teacher: job
      ? { available: true, label: jobLabel(job), job: job.id, reason: null }
      : { available: false, label: null, job: null, reason: `${noTeacherReason(trace.dataset.name)} below.` },
    branches: branches.map((b): BranchDto => ({
      id: b.id,
      afterIndex: b.afterIndex,
      reason: b.reason === "restore" ? "restore" : "regenerate",
      steps: b.steps as unknown as BranchStepDto[],
      finalAnswer: b.finalAnswer,
      teacher: b.teacher,
      createdBy: b.createdBy,
      createdAt: b.createdAt.toISOString(),
      prefixMatches: b.afterIndex < trace.steps.length && prefixOf(b.afterIndex) === b.prefixHash,
    })),
  };
}
