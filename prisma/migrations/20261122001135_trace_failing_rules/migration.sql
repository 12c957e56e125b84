-- AlterTable
ALTER TABLE "Trace" ADD COLUMN "failingRules" TEXT;
