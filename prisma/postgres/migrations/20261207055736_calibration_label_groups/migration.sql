-- CreateTable
CREATE TABLE "LabelClock" (
    "datasetId" INTEGER NOT NULL,
    "tick" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LabelClock_pkey" PRIMARY KEY ("datasetId")
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
    "builtAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalibrationGroups_pkey" PRIMARY KEY ("runId","filter")
);

-- The label clock: every change to Review ticks its dataset's clock (calibration's folded label
-- groups are current only while the tick they were folded at is; docs/design.md §6 "Calibration").
-- Statement triggers with transition tables: an import's one INSERT of 100k labels ticks once.
-- The clock row is locked until the writer commits, so readers see the tick with the labels.
CREATE FUNCTION "Review_label_clock"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "LabelClock" ("datasetId", "tick")
  SELECT DISTINCT t."datasetId", 1 FROM changed c JOIN "Trace" t ON t."id" = c."traceId" ORDER BY 1
  ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "LabelClock"."tick" + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER "Review_label_clock_insert" AFTER INSERT ON "Review"
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Review_label_clock"();

CREATE TRIGGER "Review_label_clock_update" AFTER UPDATE ON "Review"
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Review_label_clock"();

CREATE TRIGGER "Review_label_clock_delete" AFTER DELETE ON "Review"
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Review_label_clock"();
