-- CreateTable
CREATE TABLE "SpareCaption" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobId" INTEGER NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "image" TEXT,
    "imageStatus" TEXT NOT NULL,
    "imagePath" TEXT,
    "text" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "stage" TEXT NOT NULL DEFAULT 'pending',
    "spatial" BOOLEAN,
    "classifierReason" TEXT,
    "unparseable" BOOLEAN NOT NULL DEFAULT false,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "invalidItems" INTEGER NOT NULL DEFAULT 0,
    "rawAnswer" TEXT,
    "clipSkipped" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SparePair" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "captionId" INTEGER NOT NULL,
    "jobId" INTEGER NOT NULL,
    "idx" INTEGER NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "relation" TEXT NOT NULL,
    "relationClass" TEXT NOT NULL,
    "frame" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "removedBy" TEXT,
    "reason" TEXT,
    "spanStart" INTEGER,
    "spanEnd" INTEGER,
    "label" TEXT,
    "editedQuestion" TEXT,
    "editedAnswer" TEXT,
    "reviewedAt" DATETIME,
    CONSTRAINT "SparePair_captionId_fkey" FOREIGN KEY ("captionId") REFERENCES "SpareCaption" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SpareCaption_jobId_id_idx" ON "SpareCaption"("jobId", "id");

-- CreateIndex
CREATE INDEX "SpareCaption_datasetId_idx" ON "SpareCaption"("datasetId");

-- CreateIndex
CREATE UNIQUE INDEX "SpareCaption_jobId_key_key" ON "SpareCaption"("jobId", "key");

-- CreateIndex
CREATE INDEX "SparePair_jobId_status_removedBy_idx" ON "SparePair"("jobId", "status", "removedBy");

-- CreateIndex
CREATE INDEX "SparePair_jobId_relation_idx" ON "SparePair"("jobId", "relation");

-- CreateIndex
CREATE INDEX "SparePair_jobId_label_idx" ON "SparePair"("jobId", "label");

-- CreateIndex
CREATE UNIQUE INDEX "SparePair_captionId_idx_key" ON "SparePair"("captionId", "idx");
