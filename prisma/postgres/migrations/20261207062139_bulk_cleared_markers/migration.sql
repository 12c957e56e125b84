-- AlterTable
ALTER TABLE "BulkActionItem" ADD COLUMN     "clearedMarkers" TEXT;
