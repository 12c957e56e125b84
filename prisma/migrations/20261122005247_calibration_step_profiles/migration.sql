-- CreateTable
CREATE TABLE "CalibrationRun" (
    "runId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "rules" JSONB NOT NULL,
    "verdicts" INTEGER NOT NULL,
    "maxVerdictId" INTEGER NOT NULL,
    "tags" TEXT NOT NULL,
    "builtAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CalibrationProfile" (
    "runId" INTEGER NOT NULL,
    "profile" INTEGER NOT NULL,
    "failMask" INTEGER NOT NULL,
    "passMask" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tool" TEXT,
    "classes" TEXT,
    "steps" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "profile")
);

-- CreateTable
CREATE TABLE "CalibrationStep" (
    "runId" INTEGER NOT NULL,
    "stepId" INTEGER NOT NULL,
    "profile" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "stepId")
);
