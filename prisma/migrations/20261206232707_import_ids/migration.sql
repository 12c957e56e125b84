-- The importId columns on Box, Dataset, Image, Question, Scene and Trace came with
-- 20261206230927_import_row_owner (staged imports); this adds the rest that deleting an import
-- and unreliable ground truths need.

-- AlterTable
ALTER TABLE "Question" ADD COLUMN "answerUnreliable" TEXT;

-- AlterTable
ALTER TABLE "Review" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Trace" ADD COLUMN "answerUnreliable" TEXT;

-- CreateIndex
CREATE INDEX "Review_importId_idx" ON "Review"("importId");
