import { handle } from "@/lib/api/handler";
import { datasetDeleteQuery, datasetRenameBody } from "@/lib/schemas/datasets";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { deleteDataset, renameDataset } from "@/lib/services/traces/dataset-admin";

export const dynamic = "force-dynamic";

/** Rename: `{"name": "new name"}`. */
export const PATCH = handle({ params: datasetNameParams, body: datasetRenameBody }, ({ params, body }) => renameDataset(params.name, body.name));

/** Delete with everything in it: `?confirm=<the dataset's name>`. Admins only (deletion, docs/design.md §13). */
export const DELETE = handle({ params: datasetNameParams, query: datasetDeleteQuery }, ({ params, query }) => deleteDataset(params.name, query.confirm), { access: "admin" });
