-- The label clock's triggers are made again below (with the change log); dropped first: SQLite
-- checks a trigger's tables when LabelClock is redefined.
DROP TRIGGER "Review_label_clock_insert";
DROP TRIGGER "Review_label_clock_update";
DROP TRIGGER "Review_label_clock_delete";

-- CreateTable
CREATE TABLE "LabelChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "tick" INTEGER NOT NULL,
    "reviewId" INTEGER NOT NULL,
    "existed" BOOLEAN NOT NULL,
    "traceId" INTEGER,
    "stepId" INTEGER,
    "userId" INTEGER,
    "label" TEXT,
    "afterError" BOOLEAN,
    "current" BOOLEAN,
    "source" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CalibrationGroups" (
    "runId" INTEGER NOT NULL,
    "filter" TEXT NOT NULL,
    "stamp" TEXT NOT NULL,
    "steps" TEXT NOT NULL,
    "traces" TEXT NOT NULL,
    "parts" TEXT,
    "reviewers" TEXT NOT NULL,
    "tagged" INTEGER NOT NULL,
    "tick" INTEGER NOT NULL DEFAULT 0,
    "builtAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("runId", "filter")
);
INSERT INTO "new_CalibrationGroups" ("builtAt", "filter", "parts", "reviewers", "runId", "stamp", "steps", "tagged", "traces") SELECT "builtAt", "filter", "parts", "reviewers", "runId", "stamp", "steps", "tagged", "traces" FROM "CalibrationGroups";
DROP TABLE "CalibrationGroups";
ALTER TABLE "new_CalibrationGroups" RENAME TO "CalibrationGroups";
CREATE TABLE "new_LabelClock" (
    "datasetId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "tick" INTEGER NOT NULL DEFAULT 0,
    "logFrom" INTEGER,
    "logged" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_LabelClock" ("datasetId", "tick") SELECT "datasetId", "tick" FROM "LabelClock";
DROP TABLE "LabelClock";
ALTER TABLE "new_LabelClock" RENAME TO "LabelClock";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "LabelChange_datasetId_tick_idx" ON "LabelChange"("datasetId", "tick");

-- The label clock's triggers also keep the change log (LabelChange) while the dataset's clock
-- logs (LabelClock.logFrom not null: turned on when a fold is stored): one row per changed Review
-- row with its image before the change. The log stops (logFrom null, its rows deleted) when it
-- would hold more than 5,000 rows — a fold that far behind is cheaper folded again in full — and
-- starts again at the next stored fold (docs/calibration.md "Labels folded per run and filter").
-- Two triggers per event, chosen by WHEN: while the dataset does not log, a row costs the tick
-- alone, as before (a second tick when a row stops the log is harmless: ticks only grow).
CREATE TRIGGER "Review_label_clock_insert" AFTER INSERT ON "Review"
WHEN NOT EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;

CREATE TRIGGER "Review_label_log_insert" AFTER INSERT ON "Review"
WHEN EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
  DELETE FROM "LabelChange" WHERE "datasetId" = (SELECT c."datasetId" FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logged" >= 5000);
  UPDATE "LabelClock" SET "logFrom" = NULL, "logged" = 0 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND "logged" >= 5000;
  INSERT INTO "LabelChange" ("datasetId", "tick", "reviewId", "existed")
  SELECT c."datasetId", c."tick", NEW."id", FALSE FROM "LabelClock" c
  WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL;
  UPDATE "LabelClock" SET "logged" = "logged" + 1 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND "logFrom" IS NOT NULL;
END;

CREATE TRIGGER "Review_label_clock_update" AFTER UPDATE ON "Review"
WHEN NOT EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;

CREATE TRIGGER "Review_label_log_update" AFTER UPDATE ON "Review"
WHEN EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
  DELETE FROM "LabelChange" WHERE "datasetId" = (SELECT c."datasetId" FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logged" >= 5000);
  UPDATE "LabelClock" SET "logFrom" = NULL, "logged" = 0 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND "logged" >= 5000;
  INSERT INTO "LabelChange" ("datasetId", "tick", "reviewId", "existed", "traceId", "stepId", "userId", "label", "afterError", "current", "source")
  SELECT c."datasetId", c."tick", OLD."id", TRUE, OLD."traceId", OLD."stepId", OLD."userId", OLD."label", OLD."afterError", OLD."current", OLD."source" FROM "LabelClock" c
  WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND c."logFrom" IS NOT NULL;
  UPDATE "LabelClock" SET "logged" = "logged" + 1 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = NEW."traceId") AND "logFrom" IS NOT NULL;
END;

CREATE TRIGGER "Review_label_clock_delete" AFTER DELETE ON "Review"
WHEN NOT EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = OLD."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;

CREATE TRIGGER "Review_label_log_delete" AFTER DELETE ON "Review"
WHEN EXISTS (SELECT 1 FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND c."logFrom" IS NOT NULL)
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = OLD."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
  DELETE FROM "LabelChange" WHERE "datasetId" = (SELECT c."datasetId" FROM "LabelClock" c WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND c."logged" >= 5000);
  UPDATE "LabelClock" SET "logFrom" = NULL, "logged" = 0 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND "logged" >= 5000;
  INSERT INTO "LabelChange" ("datasetId", "tick", "reviewId", "existed", "traceId", "stepId", "userId", "label", "afterError", "current", "source")
  SELECT c."datasetId", c."tick", OLD."id", TRUE, OLD."traceId", OLD."stepId", OLD."userId", OLD."label", OLD."afterError", OLD."current", OLD."source" FROM "LabelClock" c
  WHERE c."datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND c."logFrom" IS NOT NULL;
  UPDATE "LabelClock" SET "logged" = "logged" + 1 WHERE "datasetId" = (SELECT "datasetId" FROM "Trace" WHERE "id" = OLD."traceId") AND "logFrom" IS NOT NULL;
END;
