import type { BuiltinTeacher } from "@/lib/schemas/generation";
import { databaseLookup } from "@/lib/teacher/serve/lookup";
import { BUILTIN_MODEL, startTeacherServer, type TeacherServer } from "@/lib/teacher/serve/server";

// The built-in teacher on demand (docs/generation.md): the first job that names it starts an
// in-process teacher-serve on 127.0.0.1 (a free port), one per setting of faults / latency /
// misbehaviour, kept for the life of the process (on globalThis, so a dev-server reload keeps it).
// A job stores only those settings, never the port: a resumed job — in this process or after a
// restart — finds (or starts) the server again. It needs no model: the scripted teacher plans with
// each scene in the database.

export { BUILTIN_MODEL };

/** Placeholder stored as a built-in job's baseUrl (replaced by the live URL before any request). */
export const BUILTIN_BASE_URL = "http://127.0.0.1/builtin/v1";

const globalForBuiltin = globalThis as unknown as { __stepwiseBuiltinTeachers?: Map<string, Promise<TeacherServer>> };

function servers(): Map<string, Promise<TeacherServer>> {
  return (globalForBuiltin.__stepwiseBuiltinTeachers ??= new Map());
}

const keyOf = (options: BuiltinTeacher) => `${options.faults}|${options.latencyMs}|${options.misbehaveRate}`;

/** The base URL (…/v1) of a running built-in teacher with these settings, starting one if needed. */
export async function builtinTeacherUrl(options: BuiltinTeacher): Promise<string> {
  const key = keyOf(options);
  let server = servers().get(key);
  if (!server) {
    server = startTeacherServer({
      lookup: databaseLookup(),
      faults: options.faults,
      latencyMs: options.latencyMs,
      misbehave: options.misbehaveRate > 0,
      misbehaveRate: options.misbehaveRate,
      retryAfterSeconds: 0.2,
    });
    servers().set(key, server);
    server.then((s) => s.server.unref()).catch(() => servers().delete(key));
  }
  return (await server).url;
}

/** Stops every built-in teacher this process started (tests). */
export async function stopBuiltinTeachers(): Promise<void> {
  const all = [...servers().values()];
  servers().clear();
  await Promise.all(all.map(async (s) => (await s.catch(() => null))?.close()));
}
