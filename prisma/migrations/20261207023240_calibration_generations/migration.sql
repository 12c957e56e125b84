/*
  Warnings:

  - The primary key for the `CalibrationProfile` table will be changed. If it partially fails, the table could be left without primary key constraint.
  - You are about to alter the column `failMask` on the `CalibrationProfile` table. The data in that column could be lost. The data in that column will be cast from `Int` to `BigInt`.
  - You are about to alter the column `passMask` on the `CalibrationProfile` table. The data in that column could be lost. The data in that column will be cast from `Int` to `BigInt`.
  - The primary key for the `CalibrationStep` table will be changed. If it partially fails, the table could be left without primary key constraint.

*/
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CalibrationProfile" (
    "runId" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "profile" INTEGER NOT NULL,
    "failMask" BIGINT NOT NULL,
    "passMask" BIGINT NOT NULL,
    "outcome" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tool" TEXT,
    "classes" TEXT,
    "steps" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "generation", "profile")
);
INSERT INTO "new_CalibrationProfile" ("classes", "failMask", "kind", "outcome", "passMask", "profile", "runId", "steps", "tool") SELECT "classes", "failMask", "kind", "outcome", "passMask", "profile", "runId", "steps", "tool" FROM "CalibrationProfile";
DROP TABLE "CalibrationProfile";
ALTER TABLE "new_CalibrationProfile" RENAME TO "CalibrationProfile";
CREATE TABLE "new_CalibrationRun" (
    "runId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "rules" JSONB NOT NULL,
    "verdicts" INTEGER NOT NULL,
    "maxVerdictId" INTEGER NOT NULL,
    "tags" TEXT NOT NULL,
    "builtAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "generation" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_CalibrationRun" ("builtAt", "maxVerdictId", "rules", "runId", "tags", "verdicts") SELECT "builtAt", "maxVerdictId", "rules", "runId", "tags", "verdicts" FROM "CalibrationRun";
DROP TABLE "CalibrationRun";
ALTER TABLE "new_CalibrationRun" RENAME TO "CalibrationRun";
CREATE TABLE "new_CalibrationStep" (
    "runId" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "stepId" INTEGER NOT NULL,
    "profile" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "generation", "stepId")
);
INSERT INTO "new_CalibrationStep" ("profile", "runId", "stepId") SELECT "profile", "runId", "stepId" FROM "CalibrationStep";
DROP TABLE "CalibrationStep";
ALTER TABLE "new_CalibrationStep" RENAME TO "CalibrationStep";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
