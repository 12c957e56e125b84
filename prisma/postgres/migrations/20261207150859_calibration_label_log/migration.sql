-- AlterTable
ALTER TABLE "CalibrationGroups" ADD COLUMN     "tick" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LabelClock" ADD COLUMN     "logFrom" INTEGER,
ADD COLUMN     "logged" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "LabelChange" (
    "id" SERIAL NOT NULL,
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
    "source" TEXT,

    CONSTRAINT "LabelChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LabelChange_datasetId_tick_idx" ON "LabelChange"("datasetId", "tick");

-- The label clock's statement triggers also keep the change log (LabelChange) while the dataset's
-- clock logs (LabelClock.logFrom not null: turned on when a fold is stored): one row per changed
-- Review row with its image before the change (an UPDATE's trigger now reads the OLD table). A
-- statement that would take the log past 5,000 rows stops it (logFrom null, its rows deleted) —
-- a fold that far behind is cheaper folded again in full — until the next stored fold
-- (docs/calibration.md "Labels folded per run and filter").
CREATE OR REPLACE FUNCTION "Review_label_clock"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d record;
  n integer;
BEGIN
  FOR d IN
    INSERT INTO "LabelClock" ("datasetId", "tick")
    SELECT DISTINCT t."datasetId", 1 FROM changed c JOIN "Trace" t ON t."id" = c."traceId" ORDER BY 1
    ON CONFLICT ("datasetId") DO UPDATE SET "tick" = "LabelClock"."tick" + 1
    RETURNING "datasetId", "tick", "logFrom", "logged"
  LOOP
    CONTINUE WHEN d."logFrom" IS NULL;
    SELECT COUNT(*) INTO n FROM changed c JOIN "Trace" t ON t."id" = c."traceId" WHERE t."datasetId" = d."datasetId";
    IF d."logged" + n > 5000 THEN
      DELETE FROM "LabelChange" WHERE "datasetId" = d."datasetId";
      UPDATE "LabelClock" SET "logFrom" = NULL, "logged" = 0 WHERE "datasetId" = d."datasetId";
    ELSIF TG_OP = 'INSERT' THEN
      INSERT INTO "LabelChange" ("datasetId", "tick", "reviewId", "existed")
      SELECT d."datasetId", d."tick", c."id", FALSE FROM changed c JOIN "Trace" t ON t."id" = c."traceId" WHERE t."datasetId" = d."datasetId" ORDER BY c."id";
      UPDATE "LabelClock" SET "logged" = "logged" + n WHERE "datasetId" = d."datasetId";
    ELSE
      INSERT INTO "LabelChange" ("datasetId", "tick", "reviewId", "existed", "traceId", "stepId", "userId", "label", "afterError", "current", "source")
      SELECT d."datasetId", d."tick", c."id", TRUE, c."traceId", c."stepId", c."userId", c."label", c."afterError", c."current", c."source"
      FROM changed c JOIN "Trace" t ON t."id" = c."traceId" WHERE t."datasetId" = d."datasetId" ORDER BY c."id";
      UPDATE "LabelClock" SET "logged" = "logged" + n WHERE "datasetId" = d."datasetId";
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

DROP TRIGGER "Review_label_clock_update" ON "Review";
CREATE TRIGGER "Review_label_clock_update" AFTER UPDATE ON "Review"
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Review_label_clock"();
