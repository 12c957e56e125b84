-- AlterTable
ALTER TABLE "Export" ADD COLUMN "heartbeatAt" DATETIME;
ALTER TABLE "Export" ADD COLUMN "ownerHost" TEXT;
ALTER TABLE "Export" ADD COLUMN "ownerPid" INTEGER;

-- AlterTable
ALTER TABLE "Import" ADD COLUMN "heartbeatAt" DATETIME;
ALTER TABLE "Import" ADD COLUMN "ownerHost" TEXT;
ALTER TABLE "Import" ADD COLUMN "ownerPid" INTEGER;
ALTER TABLE "Import" ADD COLUMN "uploadDir" TEXT;

-- AlterTable
ALTER TABLE "VerifierRun" ADD COLUMN "heartbeatAt" DATETIME;
ALTER TABLE "VerifierRun" ADD COLUMN "ownerHost" TEXT;
ALTER TABLE "VerifierRun" ADD COLUMN "ownerPid" INTEGER;
