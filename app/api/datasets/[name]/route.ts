import { handle } from "@/lib/api/handler";
import { datasetDeleteQuery, datasetRenameBody } from "@/lib/schemas/datasets";
import { datasetNameParams } from "@/lib/schemas/verifier";
import { deleteDataset, updateDataset } from "@/lib/services/traces/dataset-admin";

export const dynamic = "force-dynamic";

/** Rename and/or set the licence: `{"name": "new name", "license": "CC BY 4.0", "attribution": "…"}`. */
export const PATCH = handle({ params: datasetNameParams, body: datasetRenameBody }, ({ params, body }) => updateDataset(params.name, body));

/** Delete with everything in it: `?confirm=<the dataset's name>`. Admins only (deletion, docs/design.md §13). */
export const DELETE = handle({ params: datasetNameParams, query: datasetDeleteQuery }, ({ params, query }) => deleteDataset(params.name, query.confirm), { access: "admin" });
