-- AlterTable
ALTER TABLE "QuestionRelation" ADD COLUMN     "datasetId" INTEGER;

-- The question's dataset on each of its relation tags, set by triggers whatever writes the rows
-- (imports, generation, SpaRE publish, the tagger): the review queue reads a dataset's relation
-- classes from ("datasetId", "relationClass") instead of joining every question of the dataset
-- (docs/postgres.md "Review … reads"). Deletes need nothing: the row goes with its question.
UPDATE "QuestionRelation" qr SET "datasetId" = q."datasetId" FROM "Question" q WHERE q."id" = qr."questionId";

-- CreateIndex
CREATE INDEX "QuestionRelation_datasetId_relationClass_idx" ON "QuestionRelation"("datasetId", "relationClass");

-- A BEFORE row trigger: the value is in the row as it is written (one primary-key read per row).
CREATE FUNCTION "QuestionRelation_dataset"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."datasetId" := (SELECT q."datasetId" FROM "Question" q WHERE q."id" = NEW."questionId");
  RETURN NEW;
END $$;

CREATE TRIGGER "QuestionRelation_dataset" BEFORE INSERT OR UPDATE OF "questionId", "datasetId" ON "QuestionRelation"
FOR EACH ROW EXECUTE FUNCTION "QuestionRelation_dataset"();

CREATE FUNCTION "Question_dataset_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "QuestionRelation" SET "datasetId" = NEW."datasetId" WHERE "questionId" = NEW."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "Question_dataset_move" AFTER UPDATE OF "datasetId" ON "Question"
FOR EACH ROW WHEN (OLD."datasetId" IS DISTINCT FROM NEW."datasetId") EXECUTE FUNCTION "Question_dataset_move"();
