-- AlterTable
ALTER TABLE "Box" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Image" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Question" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Scene" ADD COLUMN "importId" INTEGER;

-- AlterTable
ALTER TABLE "Trace" ADD COLUMN "importId" INTEGER;

-- CreateIndex
CREATE INDEX "Box_importId_idx" ON "Box"("importId");

-- CreateIndex
CREATE INDEX "Image_importId_idx" ON "Image"("importId");

-- CreateIndex
CREATE INDEX "Question_importId_idx" ON "Question"("importId");

-- CreateIndex
CREATE INDEX "Scene_importId_idx" ON "Scene"("importId");

-- CreateIndex
CREATE INDEX "Trace_importId_idx" ON "Trace"("importId");
