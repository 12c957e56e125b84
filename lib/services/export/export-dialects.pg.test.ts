import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { listFiles } from "@/lib/formats/export/archive";
import { EXPORT_FORMATS } from "@/lib/schemas/exports";
import { deployMigrations } from "@/scripts/migrate-core.mjs";
import { DIALECT_DATASETS, dialectConfigs } from "@/fixtures/export/dialects";
import { localeTestDatabase } from "@/fixtures/harness/databases";
import pg from "pg";

// Issue 17's acceptance: the same export is byte-identical from SQLite and PostgreSQL
// (docs/design.md §14). Runs in the PostgreSQL pass: one fixture (fixtures/export/dialects.ts) is
// loaded into this file's PostgreSQL database and into a SQLite file made here, each by a child
// process on its own DATABASE_URL and data dir, which then exports every format under a spread of
// options (and the label export); every file of every export — data shards, Parquet twins, meta
// sidecars, copied images, images.sha256, the card README.md, manifest.json — must be the same bytes.
// A third side: a PostgreSQL database whose text sorts by ICU en-US rather than bytes (a user's
// database made without --locale=C; the fixture's names sort differently there), the same bytes too.

const ROOT = path.dirname(process.env.STEPWISE_DATA_DIR!);

interface Side {
  out: string;
  rows: Record<string, number>;
}

function exportOn(name: string, databaseUrl: string): Promise<Side> {
  const out = path.join(ROOT, `${name}-out`);
  const env = { ...process.env, DATABASE_URL: databaseUrl, STEPWISE_DATA_DIR: path.join(ROOT, `${name}-data`) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("fixtures/export/dialects-child.ts"), out], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`${name} export exited ${code}: ${stderr}`));
      else resolve({ out, rows: JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number> });
    });
  });
}

let sqlite: Side;
let postgres: Side;
let postgresLocale: Side;
let localeUrl: string;

beforeAll(async () => {
  const file = path.join(ROOT, "dialects.db");
  localeUrl = await localeTestDatabase();
  await Promise.all([deployMigrations(`file:${file}`), deployMigrations(localeUrl)]);
  [sqlite, postgres] = await Promise.all([exportOn("sqlite", `file:${file}`), exportOn("postgres", process.env.DATABASE_URL!)]);
  postgresLocale = await exportOn("postgres-icu", localeUrl);
}, 600_000);

/** Compares every file of every export of `other` with SQLite's; how many files were compared. */
function compareWithSqlite(other: Side): number {
  let compared = 0;
  for (const name of [...Object.keys(dialectConfigs()), "labels"]) {
    const a = path.join(sqlite.out, name);
    const b = path.join(other.out, name);
    const files = listFiles(a).sort();
    expect(listFiles(b).sort(), `${name}: the set of files`).toEqual(files);
    if (name !== "labels") expect(files, name).toEqual(expect.arrayContaining(["README.md", "manifest.json"]));
    for (const file of files) {
      const left = fs.readFileSync(path.join(a, file));
      const right = fs.readFileSync(path.join(b, file));
      if (!left.equals(right)) {
        // where they first differ, for a readable failure (PostgreSQL received, SQLite expected)
        let at = 0;
        while (at < left.length && left[at] === right[at]) at++;
        const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 120), at + 120).toString("utf8");
        expect(`${name}/${file} at byte ${at}: ${around(right)}`).toBe(`${name}/${file} at byte ${at}: ${around(left)}`);
      }
      compared++;
    }
  }
  return compared;
}

describe("exports from SQLite and PostgreSQL", () => {
  it("runs on both dialects and exports rows in every format", () => {
    expect(process.env.DATABASE_URL).toMatch(/^postgres(ql)?:/);
    expect(Object.keys(sqlite.rows).sort()).toEqual(Object.keys(postgres.rows).sort());
    for (const format of EXPORT_FORMATS) expect(sqlite.rows[`${format}-all`], format).toBeGreaterThan(0);
    expect(sqlite.rows["labels/pairs"]).toBeGreaterThan(0);
    expect(postgres.rows).toEqual(sqlite.rows);
  });

  it("every file of every export is byte-identical, the card and the manifest included", () => {
    const compared = compareWithSqlite(postgres);
    // the comparison covered every kind of file an export writes
    const all = Object.keys(dialectConfigs()).flatMap((name) => listFiles(path.join(sqlite.out, name)));
    for (const kind of [/^data\/.*\.jsonl$/, /^data\/.*\.parquet$/, /^meta\//, /^images\//, /^images\.sha256$/, /^README\.md$/, /^manifest\.json$/]) {
      expect(all.some((f) => kind.test(f)), String(kind)).toBe(true);
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("the same bytes from a PostgreSQL database whose text sorts by en-US rules, not bytes", async () => {
    // the side is only a test if that database really orders the fixture's names otherwise
    const q = new pg.Client({ connectionString: localeUrl });
    await q.connect();
    try {
      const names = (await q.query<{ name: string }>(`SELECT "name" FROM "Dataset" ORDER BY "name"`)).rows.map((r) => r.name);
      expect([...names].sort()).toEqual([...DIALECT_DATASETS].sort());
      expect(names).not.toEqual([...DIALECT_DATASETS].sort()); // code-unit order: Spread_b, hand, pairs, spread-a
    } finally {
      await q.end();
    }
    expect(postgresLocale.rows).toEqual(sqlite.rows);
    expect(compareWithSqlite(postgresLocale)).toBeGreaterThan(50);
  });
});
