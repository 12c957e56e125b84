import path from "node:path";

// Where uploads wait while they import: shared by the upload path (import-upload.ts) and recovery
// (lib/recovery/recovery.ts), which sweeps the folders of dead processes.

/** Upload folders live under <data dir>/uploads/<uuid>, each with an owner file naming its process. */
export const UPLOADS = "uploads";
export const UPLOAD_OWNER_FILE = ".stepwise-owner.json";

/** The key of an upload folder in this process's registry of live work (lib/jobs/owner.ts). */
export const uploadKey = (dir: string): string => `upload:${path.basename(dir)}`;
