/*
  Warnings:

  - The primary key for the `CalibrationProfile` table will be changed. If it partially fails, the table could be left without primary key constraint.
  - The primary key for the `CalibrationStep` table will be changed. If it partially fails, the table could be left without primary key constraint.

*/
-- AlterTable
ALTER TABLE "CalibrationProfile" DROP CONSTRAINT "CalibrationProfile_pkey",
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ALTER COLUMN "failMask" SET DATA TYPE BIGINT,
ALTER COLUMN "passMask" SET DATA TYPE BIGINT,
ADD CONSTRAINT "CalibrationProfile_pkey" PRIMARY KEY ("runId", "generation", "profile");

-- AlterTable
ALTER TABLE "CalibrationRun" ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "CalibrationStep" DROP CONSTRAINT "CalibrationStep_pkey",
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ADD CONSTRAINT "CalibrationStep_pkey" PRIMARY KEY ("runId", "generation", "stepId");
