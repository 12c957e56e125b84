export declare function buildIfNeeded(options?: { force?: boolean }): void;
