-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Import" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER,
    "datasetName" TEXT,
    "files" JSONB NOT NULL,
    "format" TEXT,
    "source" TEXT,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "created" JSONB,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "skipped" JSONB,
    "skippedCount" INTEGER NOT NULL DEFAULT 0,
    "warnings" JSONB,
    "error" TEXT,
    "durationMs" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "Import_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Import" ("created", "createdAt", "datasetId", "duplicates", "error", "files", "finishedAt", "format", "id", "skipped", "status", "warnings") SELECT "created", "createdAt", "datasetId", "duplicates", "error", "files", "finishedAt", "format", "id", "skipped", "status", "warnings" FROM "Import";
DROP TABLE "Import";
ALTER TABLE "new_Import" RENAME TO "Import";
CREATE INDEX "Import_createdAt_idx" ON "Import"("createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Question_datasetId_externalId_idx" ON "Question"("datasetId", "externalId");

-- CreateIndex
CREATE INDEX "Question_datasetId_text_idx" ON "Question"("datasetId", "text");
