import { defineCommand, table } from "@/lib/cli/command";
import { remoteJson, remoteTarget } from "@/lib/cli/remote";
import { AppError } from "@/lib/errors";
import { positiveId } from "@/lib/schemas/ids";
import type { ImportContentsDto, ImportHistoryItem } from "@/lib/schemas/imports";
import { deleteImport, importContents } from "@/lib/services/import/import-delete";
import { listImports } from "@/lib/services/import/imports";

// `stepwise imports`: the import history; `imports delete ID` shows what would go, `--yes` deletes
// what the import created (its traces with their steps and verdicts, its labels, boxes, and the
// scenes, questions and images nothing else uses). With STEPWISE_URL + STEPWISE_TOKEN it goes to the API.

const USAGE = "stepwise imports [--limit N] [--json] | imports delete ID [--yes]";

type Result = ImportHistoryItem[] | { action: "delete"; contents: ImportContentsDto; deleted: boolean };

export default defineCommand({
  name: "imports",
  summary: "List the import history; delete an import with what it created (--yes, or it only shows what would go)",
  usage: USAGE,
  options: { yes: { type: "boolean" }, limit: { type: "string" } },
  positionals: true,
  run: async ({ positionals, values, progress }): Promise<Result> => {
    const [action = "list", rawId, ...extra] = positionals;
    if (extra.length) throw new AppError("invalid_input", `unexpected argument "${extra[0]}" (usage: ${USAGE})`);
    const target = remoteTarget();
    if (action === "list") {
      if (rawId) throw new AppError("invalid_input", `unexpected argument "${rawId}" (usage: ${USAGE})`);
      const limit = values.limit === undefined ? 50 : positiveId.safeParse(values.limit).data;
      if (limit === undefined || limit > 500) throw new AppError("invalid_input", `--limit must be a number from 1 to 500 (got "${String(values.limit)}")`);
      return target ? remoteJson<ImportHistoryItem[]>(target, `/api/imports?limit=${limit}`) : listImports({ limit });
    }
    if (action !== "delete") throw new AppError("invalid_input", `unknown imports action "${action}" (usage: ${USAGE})`);
    if (!rawId) throw new AppError("invalid_input", `imports delete needs the import's ID (usage: ${USAGE}; \`stepwise imports\` lists them)`);
    const parsed = positiveId.safeParse(rawId);
    if (!parsed.success) throw new AppError("invalid_input", `import ID must be a positive integer (got "${rawId}")`, [{ path: "id", error: "expected a positive integer" }]);
    const id = parsed.data;
    const path = `/api/imports/${id}`;
    if (!values.yes) return { action, contents: target ? await remoteJson<ImportContentsDto>(target, path) : await importContents(id), deleted: false };
    if (target) return { action, contents: await remoteJson<ImportContentsDto>(target, `${path}?confirm=${id}`, { method: "DELETE" }), deleted: true };
    const deleted = await deleteImport(id, id, (done, total) => progress(`deleted ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} traces`));
    return { action, contents: deleted, deleted: true };
  },
  render: (result) => {
    if (Array.isArray(result)) {
      if (result.length === 0) return "No imports yet.";
      return table(
        ["id", "when", "dataset", "status", "files", "traces", "labels", "skipped"],
        result.map((i) => [i.id, i.createdAt.slice(0, 19).replace("T", " "), i.dataset, i.dryRun ? "dry run" : i.status, i.files.map((f) => f.file.split("/").at(-1)).join(", "), i.created?.traces ?? null, i.created?.labels ?? 0, i.skippedCount]),
      );
    }
    return describeDeletion(result.contents, result.deleted);
  },
});

export function describeDeletion(c: ImportContentsDto, deleted: boolean): string {
  if (c.status !== "done" || c.dryRun) return deleted ? `deleted import ${c.id} from the history (it wrote nothing)` : `import ${c.id} wrote nothing (${c.dryRun ? "dry run" : c.status}); deleting it removes its history row. Run again with --yes to delete.`;
  const what = `${c.traces} traces (${c.steps} steps), ${c.labels} imported labels, ${c.questions} questions, ${c.images} images, ${c.scenes} scenes, ${c.boxes} boxes`;
  const kept = c.kept.scenes + c.kept.questions + c.kept.images ? `; kept because other traces use them: ${c.kept.scenes} scenes, ${c.kept.questions} questions, ${c.kept.images} images` : "";
  return deleted ? `deleted import ${c.id} (dataset "${c.dataset}"): ${what}${kept}` : `would delete import ${c.id} (dataset "${c.dataset}"): ${what}${kept}. Run again with --yes to delete.`;
}
