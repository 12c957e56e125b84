export declare const SOURCE: string;
export declare const TARGET: string;
export declare function postgresSchema(source: string): string;
