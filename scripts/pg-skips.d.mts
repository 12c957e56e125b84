export declare const PG_SKIPS: Array<{ file: string; reason: string }>;
