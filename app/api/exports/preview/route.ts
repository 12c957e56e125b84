import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { previewExport } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";

// What an export with this config would contain (rows per split and relation class, what would be
// left out and why), without writing anything.
export const POST = handle({ body: z.record(z.string(), z.unknown()) }, ({ body }) => previewExport(body), { access: "viewer" });
