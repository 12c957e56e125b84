-- CreateTable
CREATE TABLE "BulkAction" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "datasetId" INTEGER,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "rule" TEXT,
    "filter" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'applying',
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "undoneAt" TIMESTAMP(3),

    CONSTRAINT "BulkAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkActionItem" (
    "id" SERIAL NOT NULL,
    "bulkId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "stepId" INTEGER,
    "reviewId" INTEGER NOT NULL,
    "previousReviewId" INTEGER,
    "previousDecision" TEXT,
    "undone" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "BulkActionItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SavedView" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SavedView_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BulkAction_userId_id_idx" ON "BulkAction"("userId", "id");

-- CreateIndex
CREATE INDEX "BulkActionItem_bulkId_undone_id_idx" ON "BulkActionItem"("bulkId", "undone", "id");

-- CreateIndex
CREATE UNIQUE INDEX "SavedView_userId_name_key" ON "SavedView"("userId", "name");

-- AddForeignKey
ALTER TABLE "BulkActionItem" ADD CONSTRAINT "BulkActionItem_bulkId_fkey" FOREIGN KEY ("bulkId") REFERENCES "BulkAction"("id") ON DELETE CASCADE ON UPDATE CASCADE;
