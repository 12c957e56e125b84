export declare const ROOT: string;
export declare function databaseUrl(): string;
export declare function sqliteFileOf(url: string): string;
export declare function deployMigrations(url?: string): Promise<string[]>;
export declare function pendingMigrations(url?: string): Promise<string[]>;
