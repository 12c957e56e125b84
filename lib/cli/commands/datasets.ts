import { defineCommand, table } from "@/lib/cli/command";
import { remoteJson, remoteTarget } from "@/lib/cli/remote";
import { AppError } from "@/lib/errors";
import type { DatasetContents, DatasetSummary } from "@/lib/schemas/datasets";
import { normalizeLicense } from "@/lib/schemas/license";
import { datasetContents, deleteDataset, renameDataset, setDatasetLicense } from "@/lib/services/traces/dataset-admin";
import { listDatasets } from "@/lib/services/traces/datasets";

// `datasets --json` stays the plain array it always was; the actions answer objects.
type Result =
  | DatasetSummary[]
  | { action: "rename"; name: string; previous: string }
  | { action: "delete"; contents: DatasetContents; deleted: boolean }
  | { action: "license"; name: string; license: string | null; attribution: string | null };

const USAGE = "stepwise datasets [--json] | datasets rename NAME NEW_NAME | datasets delete NAME [--yes] | datasets license NAME [ID] [--attribution TEXT]";

export default defineCommand({
  name: "datasets",
  summary: "List datasets with their counts; rename one; delete one with everything in it (--yes, or it only shows what would go)",
  usage: USAGE,
  options: { yes: { type: "boolean" }, attribution: { type: "string" } },
  positionals: true,
  run: async ({ positionals, values, progress }): Promise<Result> => {
    const [action = "list", name, to, ...extra] = positionals;
    if (extra.length) throw new AppError("invalid_input", `unexpected argument "${extra[0]}" (usage: ${USAGE})`);
    // With STEPWISE_URL + STEPWISE_TOKEN every action goes to the server's API (lib/cli/remote.ts).
    const target = remoteTarget();
    if (action === "list") {
      if (name) throw new AppError("invalid_input", `unexpected argument "${name}" (usage: ${USAGE})`);
      return target ? remoteJson<DatasetSummary[]>(target, "/api/datasets") : listDatasets();
    }
    if (!name) throw new AppError("invalid_input", `datasets ${action} needs a dataset NAME (usage: ${USAGE})`);
    if (action === "rename") {
      if (!to) throw new AppError("invalid_input", `datasets rename needs the NEW_NAME (usage: ${USAGE})`);
      const renamed = target
        ? await remoteJson<{ name: string; previous: string }>(target, `/api/datasets/${encodeURIComponent(name)}`, { method: "PATCH", body: { name: to.trim() } })
        : await renameDataset(name, to.trim());
      return { action, ...renamed };
    }
    if (action === "delete") {
      if (to) throw new AppError("invalid_input", `unexpected argument "${to}" (usage: ${USAGE})`);
      const path = `/api/datasets/${encodeURIComponent(name)}`;
      if (!values.yes) return { action, contents: target ? await remoteJson<DatasetContents>(target, `${path}/contents`) : await datasetContents(name), deleted: false };
      if (target) return { action, contents: await remoteJson<DatasetContents>(target, `${path}?confirm=${encodeURIComponent(name)}`, { method: "DELETE" }), deleted: true };
      const deleted = await deleteDataset(name, name, (done, total) => progress(`deleted ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} traces`));
      return { action, contents: deleted, deleted: true };
    }
    if (action === "license") {
      const attribution = values.attribution as string | undefined;
      if (to !== undefined && !/^[\w .()+-]{1,100}$/.test(to)) throw new AppError("invalid_input", `licence id "${to}": letters, digits, spaces, dots, dashes, + and () only, at most 100`);
      const set = await setDatasetLicense(name, { ...(to !== undefined ? { license: normalizeLicense(to) } : {}), ...(attribution !== undefined ? { attribution: attribution.trim() || null } : {}) });
      return { action, ...set };
    }
    throw new AppError("invalid_input", `unknown datasets action "${action}" (usage: ${USAGE})`);
  },
  render: (result) => {
    if (Array.isArray(result)) {
      return result.length === 0
        ? "No datasets yet. Run `stepwise seed-demo` or `stepwise import FILE --dataset NAME`."
        : table(["dataset", "images", "scenes", "questions", "traces", "steps", "reviewed"], result.map((d) => [d.name, d.images, d.scenes, d.questions, d.traces, d.steps, d.reviewedTraces]));
    }
    if (result.action === "license") return `"${result.name}": licence ${result.license ?? "not declared"}${result.attribution ? `; attribution: ${result.attribution}` : ""}`;
    if (result.action === "rename") return `renamed "${result.previous}" to "${result.name}"`;
    if (result.action === "delete") {
      const c = result.contents;
      const what = `${c.traces} traces (${c.steps} steps), ${c.questions} questions, ${c.images} images, ${c.scenes} scenes, ${c.runs} verifier runs, ${c.reviews} reviews`;
      return result.deleted ? `deleted "${c.name}": ${what}` : `would delete "${c.name}": ${what}. Run again with --yes to delete.`;
    }
    throw new Error("unreachable");
  },
});
