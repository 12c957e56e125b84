import { defineCommand } from "@/lib/cli/command";
import { AppError } from "@/lib/errors";
import { ENV_NAME } from "@/lib/schemas/endpoint";
import { readClevrScenes } from "@/lib/teacher/scripted";
import { databaseLookup, memoryLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, FAULT_PRESETS, MISBEHAVIOURS, startTeacherServer, type Misbehaviour } from "@/lib/teacher/serve/server";

// `stepwise teacher-serve`: the built-in teacher as an OpenAI-compatible endpoint on 127.0.0.1
// (docs/generation.md). Runs until Ctrl-C / SIGTERM. Scenes come from the database (every
// dataset's scenes and question programs) or a CLEVR scenes file.

function nonNegative(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0) throw new AppError("invalid_input", `--${name} must be a non-negative number (got "${raw}")`);
  return value;
}

export default defineCommand({
  name: "teacher-serve",
  summary: "Serve the built-in scripted teacher as an OpenAI-compatible endpoint (for generate, the UI and tests)",
  usage:
    "stepwise teacher-serve [--port P] [--host 127.0.0.1] [--faults none|default|dense|flaky] [--latency-ms N] [--latency-jitter-ms N] [--misbehave [KINDS]] [--misbehave-rate R] [--scenes CLEVR_SCENES.json] [--api-key-env VAR] [--model ID]",
  options: {
    port: { type: "string" },
    host: { type: "string" },
    faults: { type: "string" },
    "latency-ms": { type: "string" },
    "latency-jitter-ms": { type: "string" },
    misbehave: { type: "boolean" },
    "misbehave-kinds": { type: "string" },
    "misbehave-rate": { type: "string" },
    scenes: { type: "string" },
    "api-key-env": { type: "string" },
    model: { type: "string" },
  },
  run: async ({ values, progress }) => {
    const port = nonNegative("port", values.port as string | undefined, 8700);
    if (!Number.isInteger(port) || port > 65535) throw new AppError("invalid_input", `--port must be an integer 0-65535 (got "${String(values.port)}")`);
    const faults = (values.faults as string | undefined) ?? "default";
    if (!FAULT_PRESETS[faults]) throw new AppError("invalid_input", `--faults must be one of ${Object.keys(FAULT_PRESETS).join(", ")} (got "${faults}")`);
    const kindsRaw = values["misbehave-kinds"] as string | undefined;
    const kinds = kindsRaw ? kindsRaw.split(",").map((k) => k.trim()) : null;
    const unknown = kinds?.filter((k) => !(MISBEHAVIOURS as readonly string[]).includes(k)) ?? [];
    if (unknown.length) throw new AppError("invalid_input", `--misbehave-kinds: unknown ${unknown.join(", ")} (known: ${MISBEHAVIOURS.join(", ")})`);
    const rate = nonNegative("misbehave-rate", values["misbehave-rate"] as string | undefined, 0.3);
    if (rate > 1) throw new AppError("invalid_input", `--misbehave-rate must be between 0 and 1 (got ${rate})`);
    const keyEnv = values["api-key-env"] as string | undefined;
    if (keyEnv && !ENV_NAME.test(keyEnv)) throw new AppError("invalid_input", `--api-key-env must be an environment variable name (got "${keyEnv}")`);
    const apiKey = keyEnv ? process.env[keyEnv] : undefined;
    if (keyEnv && !apiKey) throw new AppError("invalid_input", `environment variable ${keyEnv} is not set`);
    const scenesFile = values.scenes as string | undefined;
    let lookup;
    if (scenesFile) {
      try {
        lookup = memoryLookup(readClevrScenes(scenesFile));
      } catch (error) {
        throw new AppError("invalid_input", `${scenesFile}: not a CLEVR scenes file (${(error as Error).message})`);
      }
    } else lookup = databaseLookup();
    const server = await startTeacherServer(
      {
        lookup,
        model: (values.model as string | undefined) ?? BUILTIN_MODEL,
        apiKey: apiKey ?? null,
        faults,
        latencyMs: nonNegative("latency-ms", values["latency-ms"] as string | undefined, 0),
        latencyJitterMs: nonNegative("latency-jitter-ms", values["latency-jitter-ms"] as string | undefined, 0),
        misbehave: kinds ? (kinds as Misbehaviour[]) : Boolean(values.misbehave),
        misbehaveRate: rate,
      },
      port,
      (values.host as string | undefined) ?? "127.0.0.1",
    );
    progress(`teacher-serve listening on ${server.url} (model ${(values.model as string | undefined) ?? BUILTIN_MODEL}, faults ${faults})`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    return { url: server.url, ...server.stats };
  },
});
