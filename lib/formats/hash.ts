import crypto from "node:crypto";

/** sha256 of a record's verbatim text: the identity used for idempotent re-imports. */
export const contentHash = (raw: string): string => crypto.createHash("sha256").update(raw).digest("hex");
