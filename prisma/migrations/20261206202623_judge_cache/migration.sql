-- CreateTable
CREATE TABLE "JudgeCache" (
    "hash" TEXT NOT NULL PRIMARY KEY,
    "model" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
