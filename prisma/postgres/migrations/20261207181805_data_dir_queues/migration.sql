-- AlterTable
ALTER TABLE "Export" ADD COLUMN     "dataDir" TEXT;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "dataDir" TEXT;
