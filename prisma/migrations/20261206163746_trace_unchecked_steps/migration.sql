-- AlterTable
ALTER TABLE "Trace" ADD COLUMN "uncheckedSteps" INTEGER;
