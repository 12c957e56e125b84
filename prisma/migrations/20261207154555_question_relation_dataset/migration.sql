-- AlterTable
ALTER TABLE "QuestionRelation" ADD COLUMN "datasetId" INTEGER;

-- The question's dataset on each of its relation tags, copied by triggers whatever writes the rows
-- (imports, generation, SpaRE publish, the tagger): the review queue reads a dataset's relation
-- classes from ("datasetId", "relationClass") instead of joining every question of the dataset
-- (docs/postgres.md "Review … reads"). Deletes need nothing: the row goes with its question.
-- SQLite cannot assign NEW in a trigger, so the row is updated after its insert.
UPDATE "QuestionRelation" SET "datasetId" = (SELECT q."datasetId" FROM "Question" q WHERE q."id" = "QuestionRelation"."questionId");

-- CreateIndex
CREATE INDEX "QuestionRelation_datasetId_relationClass_idx" ON "QuestionRelation"("datasetId", "relationClass");

CREATE TRIGGER "QuestionRelation_dataset_insert" AFTER INSERT ON "QuestionRelation"
BEGIN
  UPDATE "QuestionRelation" SET "datasetId" = (SELECT q."datasetId" FROM "Question" q WHERE q."id" = NEW."questionId") WHERE "id" = NEW."id";
END;

CREATE TRIGGER "QuestionRelation_dataset_update" AFTER UPDATE OF "questionId", "datasetId" ON "QuestionRelation"
WHEN NEW."datasetId" IS NOT (SELECT q."datasetId" FROM "Question" q WHERE q."id" = NEW."questionId")
BEGIN
  UPDATE "QuestionRelation" SET "datasetId" = (SELECT q."datasetId" FROM "Question" q WHERE q."id" = NEW."questionId") WHERE "id" = NEW."id";
END;

CREATE TRIGGER "Question_dataset_move" AFTER UPDATE OF "datasetId" ON "Question" WHEN OLD."datasetId" <> NEW."datasetId"
BEGIN
  UPDATE "QuestionRelation" SET "datasetId" = NEW."datasetId" WHERE "questionId" = NEW."id";
END;
