-- CreateTable
CREATE TABLE "TraceCount" (
    "datasetId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "traces" INTEGER NOT NULL DEFAULT 0
);

-- Traces per dataset, kept by triggers whatever writes Trace (the review queue's progress total
-- without a count(*) over every trace; docs/postgres.md "Review … reads"). Row triggers: SQLite has
-- no statement triggers, and its single writer makes the upsert cheap.
INSERT INTO "TraceCount" ("datasetId", "traces") SELECT "datasetId", COUNT(*) FROM "Trace" GROUP BY "datasetId";

CREATE TRIGGER "Trace_count_insert" AFTER INSERT ON "Trace"
BEGIN
  INSERT INTO "TraceCount" ("datasetId", "traces") VALUES (NEW."datasetId", 1)
  ON CONFLICT ("datasetId") DO UPDATE SET "traces" = "traces" + 1;
END;

CREATE TRIGGER "Trace_count_delete" AFTER DELETE ON "Trace"
BEGIN
  UPDATE "TraceCount" SET "traces" = "traces" - 1 WHERE "datasetId" = OLD."datasetId";
END;

CREATE TRIGGER "Trace_count_move" AFTER UPDATE OF "datasetId" ON "Trace" WHEN OLD."datasetId" <> NEW."datasetId"
BEGIN
  UPDATE "TraceCount" SET "traces" = "traces" - 1 WHERE "datasetId" = OLD."datasetId";
  INSERT INTO "TraceCount" ("datasetId", "traces") VALUES (NEW."datasetId", 1)
  ON CONFLICT ("datasetId") DO UPDATE SET "traces" = "traces" + 1;
END;
