export interface Cluster { url: string; dir: string; port: number; stop(): void }
export declare function pgBin(name: string): string | null;
export declare function havePostgres(): boolean;
export declare function freePort(): Promise<number>;
export declare function startCluster(options?: { port?: number; dir?: string; ssl?: boolean }): Promise<Cluster>;
export declare function stopCluster(dir: string): void;
