import type { ConnectionOptions } from "node:tls";

/** Discrete connection fields of a postgresql:// URL, sslmode with libpq's meaning (scripts/pg-url.mjs). */
export declare function pgFields(url: string): {
  host?: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | ConnectionOptions;
  options?: string;
  application_name?: string;
};
