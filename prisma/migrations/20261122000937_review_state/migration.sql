-- AlterTable
ALTER TABLE "AuditLog" ADD COLUMN "undoneAt" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Trace" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "externalId" TEXT NOT NULL,
    "questionId" INTEGER,
    "imageId" INTEGER,
    "sceneId" INTEGER,
    "question" TEXT NOT NULL,
    "answer" TEXT,
    "finalAnswer" TEXT,
    "teacherModel" TEXT,
    "teacherParams" JSONB,
    "method" TEXT NOT NULL DEFAULT 'direct',
    "format" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "stepCount" INTEGER NOT NULL DEFAULT 0,
    "quality" REAL,
    "valid" BOOLEAN,
    "runId" INTEGER,
    "failingSteps" INTEGER,
    "labelState" TEXT NOT NULL DEFAULT 'unlabeled',
    "decision" TEXT,
    "disagreements" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Trace_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Trace_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Trace_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Trace_sceneId_fkey" FOREIGN KEY ("sceneId") REFERENCES "Scene" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Trace" ("answer", "contentHash", "createdAt", "datasetId", "decision", "externalId", "failingSteps", "finalAnswer", "format", "id", "imageId", "labelState", "method", "quality", "question", "questionId", "raw", "runId", "sceneId", "stepCount", "teacherModel", "teacherParams", "valid") SELECT "answer", "contentHash", "createdAt", "datasetId", "decision", "externalId", "failingSteps", "finalAnswer", "format", "id", "imageId", "labelState", "method", "quality", "question", "questionId", "raw", "runId", "sceneId", "stepCount", "teacherModel", "teacherParams", "valid" FROM "Trace";
DROP TABLE "Trace";
ALTER TABLE "new_Trace" RENAME TO "Trace";
CREATE INDEX "Trace_datasetId_contentHash_idx" ON "Trace"("datasetId", "contentHash");
CREATE INDEX "Trace_datasetId_method_id_idx" ON "Trace"("datasetId", "method", "id");
CREATE INDEX "Trace_datasetId_quality_idx" ON "Trace"("datasetId", "quality");
CREATE INDEX "Trace_datasetId_valid_id_idx" ON "Trace"("datasetId", "valid", "id");
CREATE INDEX "Trace_datasetId_labelState_id_idx" ON "Trace"("datasetId", "labelState", "id");
CREATE INDEX "Trace_datasetId_disagreements_id_idx" ON "Trace"("datasetId", "disagreements", "id");
CREATE UNIQUE INDEX "Trace_datasetId_externalId_key" ON "Trace"("datasetId", "externalId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AuditLog_userId_id_idx" ON "AuditLog"("userId", "id");
