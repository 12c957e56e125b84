import { handle } from "@/lib/api/handler";
import { idParams } from "@/lib/schemas/ids";
import { importDeleteQuery } from "@/lib/schemas/imports";
import { deleteImport, importContents } from "@/lib/services/import/import-delete";

export const dynamic = "force-dynamic";

/** What deleting the import would remove (and keep): shown before the user confirms. */
export const GET = handle({ params: idParams }, ({ params }) => importContents(params.id));

/** Delete what the import created: `?confirm=<the import's id>`. Admins only (deletion, docs/design.md §13). */
export const DELETE = handle({ params: idParams, query: importDeleteQuery }, ({ params, query }) => deleteImport(params.id, query.confirm), { access: "admin" });
