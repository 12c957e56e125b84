-- CreateTable
CREATE TABLE "LabelClock" (
    "datasetId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "tick" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "CalibrationGroups" (
    "runId" INTEGER NOT NULL,
    "filter" TEXT NOT NULL,
    "stamp" TEXT NOT NULL,
    "steps" TEXT NOT NULL,
    "traces" TEXT NOT NULL,
    "parts" TEXT,
    "reviewers" TEXT NOT NULL,
    "tagged" INTEGER NOT NULL,
    "builtAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("runId", "filter")
);

-- The label clock: every change to Review ticks its dataset's clock (calibration's folded label
-- groups are current only while the tick they were folded at is; docs/design.md §6 "Calibration").
-- Row triggers: SQLite has no statement triggers, and its single writer makes the upsert cheap.
CREATE TRIGGER "Review_label_clock_insert" AFTER INSERT ON "Review"
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;

CREATE TRIGGER "Review_label_clock_update" AFTER UPDATE ON "Review"
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = NEW."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;

CREATE TRIGGER "Review_label_clock_delete" AFTER DELETE ON "Review"
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick") SELECT "datasetId", 1 FROM "Trace" WHERE "id" = OLD."traceId"
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "tick" + 1;
END;
