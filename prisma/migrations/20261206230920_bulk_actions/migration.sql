-- CreateTable
CREATE TABLE "BulkAction" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "datasetId" INTEGER,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "rule" TEXT,
    "filter" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'applying',
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "undoneAt" DATETIME
);

-- CreateTable
CREATE TABLE "BulkActionItem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bulkId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "stepId" INTEGER,
    "reviewId" INTEGER NOT NULL,
    "previousReviewId" INTEGER,
    "previousDecision" TEXT,
    "undone" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "BulkActionItem_bulkId_fkey" FOREIGN KEY ("bulkId") REFERENCES "BulkAction" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "BulkAction_userId_id_idx" ON "BulkAction"("userId", "id");

-- CreateIndex
CREATE INDEX "BulkActionItem_bulkId_undone_id_idx" ON "BulkActionItem"("bulkId", "undone", "id");
