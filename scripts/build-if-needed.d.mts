export declare function buildIfNeeded(options?: { force?: boolean }): void;
export declare function sourceHash(): string;
