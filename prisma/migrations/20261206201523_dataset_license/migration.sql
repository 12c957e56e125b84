-- AlterTable
ALTER TABLE "Dataset" ADD COLUMN "attribution" TEXT;
ALTER TABLE "Dataset" ADD COLUMN "license" TEXT;

-- AlterTable
ALTER TABLE "Import" ADD COLUMN "attribution" TEXT;
ALTER TABLE "Import" ADD COLUMN "license" TEXT;
