-- AlterTable
ALTER TABLE "VerifierRun" ADD COLUMN "revisedAfter" INTEGER;

-- CreateTable
CREATE TABLE "VerifyChunk" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "firstTraceId" INTEGER NOT NULL,
    "lastTraceId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseToken" TEXT,
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "leaseUntil" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "verdicts" INTEGER NOT NULL DEFAULT 0,
    "seconds" REAL,
    "outcomes" TEXT,
    "finishedAt" DATETIME,
    CONSTRAINT "VerifyChunk_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "VerifyChunk_runId_status_idx" ON "VerifyChunk"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "VerifyChunk_runId_index_key" ON "VerifyChunk"("runId", "index");
