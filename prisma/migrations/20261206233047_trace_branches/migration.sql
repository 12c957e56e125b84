-- CreateTable
CREATE TABLE "TraceBranch" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "traceId" INTEGER NOT NULL,
    "afterIndex" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "finalAnswer" TEXT,
    "prefixHash" TEXT NOT NULL,
    "teacher" TEXT,
    "createdBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "TraceBranch_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "TraceBranch_traceId_id_idx" ON "TraceBranch"("traceId", "id");
