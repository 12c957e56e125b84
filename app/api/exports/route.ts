import { z } from "zod";
import { handle } from "@/lib/api/handler";
import { startExport } from "@/lib/services/export/export-jobs";
import { getExport, listExports } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";

// GET: exports, newest first. POST: start an export job from a config (lib/schemas/exports.ts);
// 202 with the queued export, which clients poll at /api/exports/:id.
export const GET = handle({}, () => listExports());

export const POST = handle(
  { body: z.record(z.string(), z.unknown()) },
  async ({ body }) => getExport((await startExport(body)).id),
  { status: 202, access: "viewer" },
);
