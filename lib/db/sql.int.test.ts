import Database from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { db, dialect, releaseHeld, waitingWriters } from "@/lib/db";
import { sqliteFile } from "@/lib/env";
import { all, batch, get, many, nextIdSql, readProgram, sql, toPostgres, transaction, writeProgram } from "@/lib/db/sql";

// The async SQL seam on the dialect of this run (SQLite; PostgreSQL with STEPWISE_TEST_PG=1):
// the same statements give the same, SQLite-shaped values on both.

afterAll(async () => {
  await db().$disconnect();
});

describe("toPostgres", () => {
  it("numbers ? placeholders and leaves literals, quoted identifiers and comments alone", () => {
    expect(toPostgres(`SELECT "a?" , '?''?' , ? FROM t WHERE x = ? -- why?\n AND y = ? /* ? */`)).toBe(
      `SELECT "a?" , '?''?' , $1 FROM t WHERE x = $2 -- why?\n AND y = $3 /* ? */`,
    );
    expect(toPostgres("SELECT 1")).toBe("SELECT 1");
    // camelCase aliases keep their case on PostgreSQL; keywords and lower-case names are left alone
    expect(toPostgres(`SELECT m.stepId AS stepId, COUNT(*) AS n FROM (SELECT "stepId" AS stepId FROM t) m WHERE x = 'aB' GROUP BY m.stepId`)).toBe(
      `SELECT m."stepId" AS "stepId", COUNT(*) AS n FROM (SELECT "stepId" AS "stepId" FROM t) m WHERE x = 'aB' GROUP BY m."stepId"`,
    );
  });
});

describe(`sql seam on ${process.env.STEPWISE_TEST_PG === "1" ? "PostgreSQL" : "SQLite"}`, () => {
  it("reports the dialect of DATABASE_URL", () => {
    expect(dialect()).toBe(process.env.STEPWISE_TEST_PG === "1" ? "postgres" : "sqlite");
  });

  it("inserts rows, returns new ids and reads them back with SQLite-shaped values", async () => {
    const q = await sql();
    const id = await q.insert(`INSERT INTO "Dataset" ("name", "description") VALUES (?, ?)`, ["seam-a", "it's a ? test"]);
    expect(id).toBeGreaterThan(0);
    const row = await q.get<{ id: number; name: string; description: string; createdAt: string }>(`SELECT "id", "name", "description", "createdAt" FROM "Dataset" WHERE "id" = ?`, [id]);
    expect(row).toMatchObject({ id, name: "seam-a", description: "it's a ? test" });
    expect(new Date(row!.createdAt).getTime()).not.toBeNaN();
    const count = await q.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "Dataset" WHERE "name" LIKE ?`, ["seam-%"]);
    expect(count?.n).toBe(1);
    expect(await q.get(`SELECT "id" FROM "Dataset" WHERE "name" = ?`, ["nope"])).toBeUndefined();
  });

  it("binds booleans, Dates and JSON text, and reads them back as 1/0, ISO text and JSON text", async () => {
    const q = await sql();
    const when = new Date("2026-01-02T03:04:05.678Z");
    const userId = await q.insert(`INSERT INTO "User" ("name", "emailVerified", "updatedAt", "disabledAt") VALUES (?, ?, ?, ?)`, ["seam-user", true, when, when]);
    const user = await q.get<{ emailVerified: unknown; disabledAt: string }>(`SELECT "emailVerified", "disabledAt" FROM "User" WHERE "id" = ?`, [userId]);
    expect(user?.emailVerified).toBe(1);
    expect(new Date(user!.disabledAt).toISOString()).toBe(when.toISOString());
    const flagged = await q.all(`SELECT "id" FROM "User" WHERE "emailVerified" = ? AND "id" = ?`, [true, userId]);
    expect(flagged).toHaveLength(1);
    const datasetId = await q.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["seam-json"]);
    const sceneId = await q.insert(`INSERT INTO "Scene" ("datasetId", "name", "relationships") VALUES (?, ?, ?)`, [datasetId, "s1", JSON.stringify({ left: [[1], []] })]);
    const scene = await q.get<{ relationships: string }>(`SELECT "relationships" FROM "Scene" WHERE "id" = ?`, [sceneId]);
    expect(typeof scene?.relationships).toBe("string");
    expect(JSON.parse(scene!.relationships)).toEqual({ left: [[1], []] });
  });

  it("insertMany writes thousands of rows in bulk and honours ON CONFLICT", async () => {
    const q = await sql();
    const rows = Array.from({ length: 2_345 }, (_, i) => [`bulk-${i}`, i % 2 === 0 ? null : `d${i}`]);
    expect(await q.insertMany("Dataset", ["name", "description"], rows)).toBe(2_345);
    expect(await q.insertMany("Dataset", ["name", "description"], [["bulk-1", "again"], ["bulk-new", null]], `ON CONFLICT ("name") DO NOTHING`)).toBe(1);
    const sums = await q.get<{ n: number; described: number }>(`SELECT COUNT(*) AS "n", SUM(CASE WHEN "description" IS NULL THEN 0 ELSE 1 END) AS "described" FROM "Dataset" WHERE "name" LIKE 'bulk-%'`);
    expect(sums).toEqual({ n: 2_346, described: 1_172 });
    await expect(q.insertMany("Dataset", ["name"], [["bulk-2"]])).rejects.toThrow();
  });

  it("many in a statement program: multi-row batches with ON CONFLICT … DO UPDATE update the rows there and insert the rest", async () => {
    const q = await sql();
    const first = Array.from({ length: 100 }, (_, i) => [`upsert-${i}`, "old"]);
    expect(await writeProgram(() => many("Dataset", ["name", "description"], first))).toBe(100);
    // 150 rows: two full batches of 64 on SQLite with conflicts inside them, then single rows
    const second = Array.from({ length: 150 }, (_, i) => [`upsert-${i}`, `new-${i}`]);
    await writeProgram(() => many("Dataset", ["name", "description"], second, `ON CONFLICT ("name") DO UPDATE SET "description" = excluded."description"`));
    const rows = await q.all<{ name: string; description: string }>(`SELECT "name", "description" FROM "Dataset" WHERE "name" LIKE 'upsert-%'`);
    expect(rows).toHaveLength(150);
    expect(rows.every((r) => r.description === `new-${r.name.slice("upsert-".length)}`)).toBe(true);
  });

  it("transaction commits on success and rolls back everything on a throw", async () => {
    await transaction(async (tx) => {
      await tx.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["tx-kept"]);
    });
    await expect(
      transaction(async (tx) => {
        await tx.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["tx-lost"]);
        await tx.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["tx-kept"]); // unique violation
      }),
    ).rejects.toThrow();
    const q = await sql();
    const names = (await q.all<{ name: string }>(`SELECT "name" FROM "Dataset" WHERE "name" LIKE 'tx-%' ORDER BY "name"`)).map((r) => r.name);
    expect(names).toEqual(["tx-kept"]);
    // Prisma sees what the seam wrote (same database, same connection or pool)
    expect(await db().dataset.count({ where: { name: "tx-kept" } })).toBe(1);
  });

  it("transactions of one process run one after another and each sees its own writes", async () => {
    const results = await Promise.all(
      [1, 2, 3].map((k) =>
        transaction(async (tx) => {
          await tx.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, [`par-${k}`]);
          return (await tx.get<{ n: number }>(`SELECT COUNT(*) AS "n" FROM "Dataset" WHERE "name" = ?`, [`par-${k}`]))?.n;
        }),
      ),
    );
    expect(results).toEqual([1, 1, 1]);
  });

  it("nextIdSql gives the id the next row gets; rows written with it are followed by their successors", async () => {
    const ids = await writeProgram(function* () {
      const taken = (yield* get<{ id: number }>(`SELECT ${nextIdSql("Dataset")} AS id`))!.id;
      yield* batch([{ text: `INSERT INTO "Dataset" ("id", "name") VALUES (?, ?)`, params: [taken, "next-a"] }]);
      const after = (yield* get<{ id: number }>(`INSERT INTO "Dataset" ("name") VALUES (?) RETURNING "id" AS id`, "next-b"))!.id;
      return { taken, after };
    });
    expect(ids.after).toBeGreaterThan(ids.taken);
    // an id is never given twice, even when its row is gone (SQLite's AUTOINCREMENT, PostgreSQL's sequence)
    const q = await sql();
    await q.run(`DELETE FROM "Dataset" WHERE "id" = ?`, [ids.after]);
    const next = await readProgram(get<{ id: number }>(`SELECT ${nextIdSql("Dataset")} AS id`));
    expect(next!.id).toBeGreaterThan(ids.after);
  });

  it("prepared statements of two instances of the seam (as Next.js bundles hold) share the pool without clashing names", async () => {
    const { prepared } = await import("@/lib/db/sql");
    vi.resetModules();
    const other = await import("@/lib/db/sql");
    expect(other.prepared).not.toBe(prepared);
    // each instance marks a different text first: numbered names would both be the first one
    const one = prepared(`SELECT 1 AS one WHERE ? = ?`);
    const two = other.prepared(`SELECT 2 AS two WHERE ? = ?`);
    const q = await sql();
    const q2 = await other.sql();
    for (let i = 0; i < 10; i++) {
      expect(await q.get(one, [i, i])).toEqual({ one: 1 });
      expect(await q2.get(two, [i, i])).toEqual({ two: 2 });
    }
  });

  it("batch: independent writes in one statement on PostgreSQL, the last one's RETURNING rows back; all or nothing", async () => {
    const q = await sql();
    const a = await q.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["batch-a"]);
    const b = await q.insert(`INSERT INTO "Dataset" ("name") VALUES (?)`, ["batch-b"]);
    const rows = await writeProgram(() =>
      batch<{ name: string; description: string }>([
        { text: `UPDATE "Dataset" SET "description" = ? WHERE "id" = ?`, params: ["first", a] },
        { text: `INSERT INTO "Dataset" ("name", "description") VALUES (?, ?), (?, ?)`, params: ["batch-c", "?", "batch-d", null] },
        { text: `UPDATE "Dataset" SET "description" = ? WHERE "id" = ? RETURNING "name" AS name, "description" AS description`, params: ["last", b] },
      ]),
    );
    expect(rows).toEqual([{ name: "batch-b", description: "last" }]);
    const read = () => readProgram(all<{ name: string; description: string | null }>(`SELECT "name", "description" FROM "Dataset" WHERE "name" LIKE 'batch-%' ORDER BY "name"`));
    expect(await read()).toEqual([
      { name: "batch-a", description: "first" },
      { name: "batch-b", description: "last" },
      { name: "batch-c", description: "?" },
      { name: "batch-d", description: null },
    ]);
    // one failing member (a duplicate name) and nothing of the batch stays
    await expect(
      writeProgram(() =>
        batch([
          { text: `UPDATE "Dataset" SET "description" = ? WHERE "id" = ?`, params: ["lost", a] },
          { text: `INSERT INTO "Dataset" ("name") VALUES (?)`, params: ["batch-c"] },
        ]),
      ),
    ).rejects.toThrow();
    expect((await read())[0]).toEqual({ name: "batch-a", description: "first" });
  });
});

if (process.env.STEPWISE_TEST_PG !== "1") describe("Prisma's transactions on SQLite", () => {
  it("take the write lock at BEGIN (IMMEDIATE): another connection's commit between their read and their write cannot fail them with SQLITE_BUSY_SNAPSHOT", async () => {
    const other = new Database(sqliteFile()!, { timeout: 0 });
    try {
      await db().$transaction(async (tx) => {
        await tx.dataset.count();
        // a deferred BEGIN would hold no lock here, and another writer could commit before this one writes
        expect(() => other.exec("BEGIN IMMEDIATE")).toThrow(/locked|busy/i);
        await tx.dataset.create({ data: { name: "immediate-tx" } });
      });
      other.exec("BEGIN IMMEDIATE");
      other.exec("ROLLBACK");
      expect(await db().dataset.count({ where: { name: "immediate-tx" } })).toBe(1);
    } finally {
      other.close();
    }
  });

  it("wait at the write gate while an import thread holds the lock, with this thread's event loop free; then write", async () => {
    // the import thread's side, played here: a second connection holds the write lock and HELD is 1
    const other = new Database(sqliteFile()!, { timeout: 0 });
    const counters = waitingWriters();
    const [a, b, c, d] = await Promise.all(["gated-a", "gated-b", "gated-c", "gated-d"].map((name) => db().dataset.create({ data: { name } })));
    other.exec("BEGIN IMMEDIATE");
    Atomics.store(counters, 1, 1);
    try {
      const ticks: number[] = [];
      const started = performance.now();
      const timer = setInterval(() => ticks.push(performance.now() - started), 5);
      const writes = Promise.all([
        // each kind of writer: an autocommit Prisma write, a Prisma transaction, the seam's transaction, an autocommit seam write
        db().dataset.update({ where: { id: a.id }, data: { description: "prisma" } }),
        db().$transaction(async (tx) => tx.dataset.update({ where: { id: b.id }, data: { description: "prisma tx" } })),
        transaction(async (tx) => tx.run(`UPDATE "Dataset" SET "description" = ? WHERE "id" = ?`, ["seam tx", c.id])),
        sql().then((q) => q.run(`UPDATE "Dataset" SET "description" = ? WHERE "id" = ?`, ["seam", d.id])),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // SQLite's busy handler would have stopped this thread, and these ticks, until busy_timeout
      expect(ticks.filter((t) => t < 300).length).toBeGreaterThan(20);
      expect(Atomics.load(counters, 0)).toBeGreaterThan(0); // the thread would let them in before its next chunk
      other.exec("COMMIT");
      releaseHeld();
      await writes;
      clearInterval(timer);
      expect(Atomics.load(counters, 0)).toBe(0);
      const written = await db().dataset.findMany({ where: { name: { startsWith: "gated-" } }, orderBy: { name: "asc" }, select: { description: true } });
      expect(written.map((row) => row.description)).toEqual(["prisma", "prisma tx", "seam tx", "seam"]);
    } finally {
      if (other.inTransaction) other.exec("ROLLBACK");
      releaseHeld();
      other.close();
    }
  });
});
