-- AlterTable
ALTER TABLE "Question" ADD COLUMN     "answerUnreliable" TEXT;

-- AlterTable
ALTER TABLE "Review" ADD COLUMN     "importId" INTEGER;

-- AlterTable
ALTER TABLE "Trace" ADD COLUMN     "answerUnreliable" TEXT;

-- AlterTable
ALTER TABLE "VerifierRun" ADD COLUMN     "revisedAfter" INTEGER;

-- CreateTable
CREATE TABLE "VerifyChunk" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "firstTraceId" INTEGER NOT NULL,
    "lastTraceId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseToken" TEXT,
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "verdicts" INTEGER NOT NULL DEFAULT 0,
    "seconds" DOUBLE PRECISION,
    "outcomes" TEXT,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "VerifyChunk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TraceBranch" (
    "id" SERIAL NOT NULL,
    "traceId" INTEGER NOT NULL,
    "afterIndex" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "finalAnswer" TEXT,
    "prefixHash" TEXT NOT NULL,
    "teacher" TEXT,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TraceBranch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "VerifyChunk_runId_status_idx" ON "VerifyChunk"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "VerifyChunk_runId_index_key" ON "VerifyChunk"("runId", "index");

-- CreateIndex
CREATE INDEX "TraceBranch_traceId_id_idx" ON "TraceBranch"("traceId", "id");

-- CreateIndex
CREATE INDEX "Review_importId_idx" ON "Review"("importId");

-- AddForeignKey
ALTER TABLE "VerifyChunk" ADD CONSTRAINT "VerifyChunk_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TraceBranch" ADD CONSTRAINT "TraceBranch_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
