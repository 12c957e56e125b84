import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ConfigCreateRequest, VerifierConfigDto } from "@/lib/schemas/verifier";
import { DEFAULT_SETTINGS, verifierSettings, type VerifierSettings } from "@/lib/verifier/config";
import { RULE_IDS, RULES, type RuleId } from "@/lib/verifier/rules";

// Versioned verifier configurations. v1 comes from the migration; every change is a new version
// pointing at its parent. A version used by a run is immutable (enforced here and by a trigger).

const configSelect = {
  id: true, version: true, name: true, parent: { select: { version: true } }, rules: true, tolerances: true, scoring: true, threshold: true, notes: true, createdAt: true,
  defaultOf: { select: { slot: true } },
  _count: { select: { runs: true } },
} as const;

type ConfigRow = Prisma.VerifierConfigGetPayload<{ select: typeof configSelect }>;

/** Settings of a stored config; rules missing from an older config are off. */
export function settingsOf(row: { rules: unknown; tolerances: unknown; scoring: unknown; threshold: number }): VerifierSettings {
  // a rule added after the config was stored is off in it; an optional rule (off by default, such
  // as reasoning.judge) keeps its default weight, so enabling it later in a child config counts
  const missing = (id: RuleId) => (RULES[id].defaults.enabled ? { enabled: false, weight: 0 } : { ...RULES[id].defaults });
  const rules = Object.fromEntries(RULE_IDS.map((id) => [id, (row.rules as Record<string, unknown> | null)?.[id] ?? missing(id)]));
  const parsed = verifierSettings.safeParse({
    rules,
    tolerances: { ...DEFAULT_SETTINGS.tolerances, ...(row.tolerances as object) },
    scoring: { ...DEFAULT_SETTINGS.scoring, ...((row.scoring as object | null) ?? {}) },
    threshold: row.threshold,
  });
  if (!parsed.success) throw new AppError("internal", `stored verifier config is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** The settings of the config a run used. */
export async function runSettings(runId: number): Promise<VerifierSettings> {
  const run = await db().verifierRun.findUniqueOrThrow({ where: { id: runId }, select: { config: { select: { rules: true, tolerances: true, scoring: true, threshold: true } } } });
  return settingsOf(run.config);
}

function toDto(row: ConfigRow): VerifierConfigDto {
  const settings = settingsOf(row);
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    parentVersion: row.parent?.version ?? null,
    rules: settings.rules,
    tolerances: settings.tolerances,
    scoring: settings.scoring,
    threshold: settings.threshold,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    runs: row._count.runs,
    locked: row._count.runs > 0,
    isDefault: row.defaultOf !== null,
  };
}

export async function listVerifierConfigs(): Promise<VerifierConfigDto[]> {
  const rows = await db().verifierConfig.findMany({ orderBy: { version: "asc" }, select: configSelect });
  return rows.map(toDto);
}

/**
 * A version, or the default one: the config chosen with setDefaultVerifierConfig (never simply the
 * newest — creating a config does not change what runs use). With no choice recorded, v1.
 */
export async function getVerifierConfig(version?: number): Promise<VerifierConfigDto & { settings: VerifierSettings }> {
  const row = version === undefined
    ? ((await db().verifierConfig.findFirst({ where: { defaultOf: { isNot: null } }, select: configSelect })) ??
      (await db().verifierConfig.findFirst({ orderBy: { version: "asc" }, select: configSelect })))
    : await db().verifierConfig.findUnique({ where: { version }, select: configSelect });
  if (!row) {
    throw new AppError("not_found", version === undefined ? "no verifier config exists (run the migrations)" : `verifier config v${version} not found`);
  }
  return { ...toDto(row), settings: settingsOf(row) };
}

/** `base` with a request's changes (per rule, tolerance and scoring field), validated. */
function mergeSettings(base: VerifierSettings, change: Omit<ConfigCreateRequest, "parent">): VerifierSettings {
  const rules = { ...base.rules };
  for (const [id, delta] of Object.entries(change.rules ?? {})) rules[id as keyof typeof rules] = { ...rules[id as keyof typeof rules], ...delta };
  return verifierSettings.parse({
    rules,
    tolerances: { ...base.tolerances, ...change.tolerances },
    scoring: { ...base.scoring, ...change.scoring },
    threshold: change.threshold ?? base.threshold,
  });
}

/** Makes `version` the config runs use when none is named (an explicit choice; docs/verifier.md). */
export async function setDefaultVerifierConfig(version: number): Promise<VerifierConfigDto> {
  const row = await db().verifierConfig.findUnique({ where: { version }, select: { id: true } });
  if (!row) throw new AppError("not_found", `verifier config v${version} not found`);
  await db().defaultVerifierConfig.upsert({
    where: { slot: "default" },
    create: { slot: "default", configId: row.id },
    update: { configId: row.id, updatedAt: new Date() },
  });
  return toDto(await db().verifierConfig.findUniqueOrThrow({ where: { version }, select: configSelect }));
}

/**
 * A new version derived from `parent` (default: the newest) with the given changes. It becomes the
 * default for runs only with `makeDefault: true`.
 */
export async function createVerifierConfig(request: ConfigCreateRequest): Promise<VerifierConfigDto> {
  return db().$transaction(async (tx) => {
    const parent = request.parent === undefined
      ? await tx.verifierConfig.findFirst({ orderBy: { version: "desc" } })
      : await tx.verifierConfig.findUnique({ where: { version: request.parent } });
    if (!parent) throw new AppError("not_found", `parent verifier config ${request.parent === undefined ? "" : `v${request.parent} `}not found`);
    const settings = mergeSettings(settingsOf(parent), request);
    const last = await tx.verifierConfig.findFirst({ orderBy: { version: "desc" }, select: { version: true } });
    const version = (last?.version ?? 0) + 1;
    const row = await tx.verifierConfig.create({
      data: {
        version,
        name: request.name ?? `v${version}`,
        parentId: parent.id,
        rules: settings.rules,
        tolerances: settings.tolerances,
        scoring: settings.scoring,
        threshold: settings.threshold,
        notes: request.notes ?? null,
      },
      select: { id: true },
    });
    if (request.makeDefault) {
      await tx.defaultVerifierConfig.upsert({ where: { slot: "default" }, create: { slot: "default", configId: row.id }, update: { configId: row.id, updatedAt: new Date() } });
    }
    return toDto(await tx.verifierConfig.findUniqueOrThrow({ where: { id: row.id }, select: configSelect }));
  });
}

/** Changes an unused version in place; a version a run used is a conflict. */
export async function updateVerifierConfig(version: number, change: Omit<ConfigCreateRequest, "parent">): Promise<VerifierConfigDto> {
  const current = await getVerifierConfig(version);
  if (current.locked) throw new AppError("conflict", `verifier config v${version} was used by ${current.runs} run(s) and is immutable; create a new version instead`);
  const settings = mergeSettings(current.settings, change);
  const row = await db().verifierConfig.update({
    where: { version },
    data: { name: change.name, rules: settings.rules, tolerances: settings.tolerances, scoring: settings.scoring, threshold: settings.threshold, notes: change.notes },
    select: configSelect,
  });
  return toDto(row);
}
