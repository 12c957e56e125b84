-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" TEXT NOT NULL DEFAULT 'reviewer',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailVerified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "license" TEXT,
    "attribution" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Image" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT,
    "path" TEXT,
    "url" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "mime" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Image_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Scene" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "imageId" INTEGER,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'clevr',
    "relationships" JSONB,
    "directions" JSONB,
    "info" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Scene_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SceneObject" (
    "id" SERIAL NOT NULL,
    "sceneId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "color" TEXT,
    "size" TEXT,
    "shape" TEXT,
    "material" TEXT,
    "x3d" DOUBLE PRECISION,
    "y3d" DOUBLE PRECISION,
    "z3d" DOUBLE PRECISION,
    "px" DOUBLE PRECISION,
    "py" DOUBLE PRECISION,
    "depth" DOUBLE PRECISION,
    "rotation" DOUBLE PRECISION,
    "extra" JSONB,

    CONSTRAINT "SceneObject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Box" (
    "id" SERIAL NOT NULL,
    "imageId" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "label" TEXT,
    "objectIndex" INTEGER,
    "x" DOUBLE PRECISION NOT NULL,
    "y" DOUBLE PRECISION NOT NULL,
    "w" DOUBLE PRECISION NOT NULL,
    "h" DOUBLE PRECISION NOT NULL,
    "score" DOUBLE PRECISION,
    "createdById" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Box_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Question" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "imageId" INTEGER,
    "externalId" TEXT,
    "text" TEXT NOT NULL,
    "answer" TEXT,
    "program" JSONB,
    "source" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Question_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QuestionRelation" (
    "id" SERIAL NOT NULL,
    "questionId" INTEGER NOT NULL,
    "relation" TEXT NOT NULL,
    "relationClass" TEXT NOT NULL,

    CONSTRAINT "QuestionRelation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Trace" (
    "id" SERIAL NOT NULL,
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
    "quality" DOUBLE PRECISION,
    "valid" BOOLEAN,
    "runId" INTEGER,
    "failingSteps" INTEGER,
    "failingRules" TEXT,
    "uncheckedSteps" INTEGER,
    "labelState" TEXT NOT NULL DEFAULT 'unlabeled',
    "decision" TEXT,
    "disagreements" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Trace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Step" (
    "id" SERIAL NOT NULL,
    "traceId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT,
    "tool" TEXT,
    "callId" TEXT,
    "args" JSONB,
    "result" JSONB,
    "refs" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepRevision" (
    "id" SERIAL NOT NULL,
    "stepId" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "text" TEXT,
    "args" JSONB,
    "result" JSONB,
    "reason" TEXT,
    "createdById" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StepRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VerifierConfig" (
    "id" SERIAL NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" INTEGER,
    "rules" JSONB NOT NULL,
    "tolerances" JSONB NOT NULL,
    "scoring" JSONB,
    "threshold" DOUBLE PRECISION NOT NULL,
    "notes" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VerifierConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DefaultVerifierConfig" (
    "slot" TEXT NOT NULL DEFAULT 'default',
    "configId" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DefaultVerifierConfig_pkey" PRIMARY KEY ("slot")
);

-- CreateTable
CREATE TABLE "VerifierRun" (
    "id" SERIAL NOT NULL,
    "configId" INTEGER NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "seconds" DOUBLE PRECISION,
    "metrics" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "VerifierRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Verdict" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "stepId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "rule" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "severity" TEXT,
    "message" TEXT,
    "evidence" JSONB,

    CONSTRAINT "Verdict_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TraceScore" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "quality" DOUBLE PRECISION NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "parts" JSONB,

    CONSTRAINT "TraceScore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Review" (
    "id" SERIAL NOT NULL,
    "traceId" INTEGER NOT NULL,
    "stepId" INTEGER,
    "userId" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "comment" TEXT,
    "revision" INTEGER,
    "afterError" BOOLEAN NOT NULL DEFAULT false,
    "current" BOOLEAN NOT NULL DEFAULT true,
    "source" TEXT NOT NULL DEFAULT 'human',
    "provenance" JSONB,
    "timeSpentMs" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Review_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Import" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER,
    "datasetName" TEXT,
    "files" JSONB NOT NULL,
    "format" TEXT,
    "source" TEXT,
    "license" TEXT,
    "attribution" TEXT,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "created" JSONB,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "skipped" JSONB,
    "skippedCount" INTEGER NOT NULL DEFAULT 0,
    "warnings" JSONB,
    "error" TEXT,
    "durationMs" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "uploadDir" TEXT,

    CONSTRAINT "Import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Export" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rows" INTEGER NOT NULL DEFAULT 0,
    "files" JSONB,
    "skipped" JSONB,
    "path" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "Export_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT,
    "data" JSONB,
    "undoneAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tokenId" INTEGER,
    "role" TEXT,
    "requestId" TEXT,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CalibrationRun" (
    "runId" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "verdicts" INTEGER NOT NULL,
    "maxVerdictId" INTEGER NOT NULL,
    "tags" TEXT NOT NULL,
    "builtAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalibrationRun_pkey" PRIMARY KEY ("runId")
);

-- CreateTable
CREATE TABLE "CalibrationProfile" (
    "runId" INTEGER NOT NULL,
    "profile" INTEGER NOT NULL,
    "failMask" INTEGER NOT NULL,
    "passMask" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tool" TEXT,
    "classes" TEXT,
    "steps" INTEGER NOT NULL,

    CONSTRAINT "CalibrationProfile_pkey" PRIMARY KEY ("runId","profile")
);

-- CreateTable
CREATE TABLE "CalibrationStep" (
    "runId" INTEGER NOT NULL,
    "stepId" INTEGER NOT NULL,
    "profile" INTEGER NOT NULL,

    CONSTRAINT "CalibrationStep_pkey" PRIMARY KEY ("runId","stepId")
);

-- CreateTable
CREATE TABLE "AuthSession" (
    "id" SERIAL NOT NULL,
    "token" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuthAccount" (
    "id" SERIAL NOT NULL,
    "accountId" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "idToken" TEXT,
    "accessTokenExpiresAt" TIMESTAMP(3),
    "refreshTokenExpiresAt" TIMESTAMP(3),
    "scope" TEXT,
    "password" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuthVerification" (
    "id" SERIAL NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthVerification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "configId" TEXT NOT NULL DEFAULT 'default',
    "name" TEXT,
    "start" TEXT,
    "referenceId" TEXT NOT NULL,
    "prefix" TEXT,
    "key" TEXT NOT NULL,
    "refillInterval" INTEGER,
    "refillAmount" INTEGER,
    "lastRefillAt" TIMESTAMP(3),
    "enabled" BOOLEAN DEFAULT true,
    "rateLimitEnabled" BOOLEAN DEFAULT false,
    "rateLimitTimeWindow" INTEGER,
    "rateLimitMax" INTEGER,
    "requestCount" INTEGER DEFAULT 0,
    "remaining" INTEGER,
    "lastRequest" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "permissions" TEXT,
    "metadata" TEXT,
    "userId" INTEGER,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "config" JSONB NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "counters" JSONB,
    "error" TEXT,
    "ownerPid" INTEGER,
    "ownerHost" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "runs" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobItem" (
    "id" SERIAL NOT NULL,
    "jobId" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "result" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "JobItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpareCaption" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpareCaption_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SparePair" (
    "id" SERIAL NOT NULL,
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
    "reviewedAt" TIMESTAMP(3),

    CONSTRAINT "SparePair_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewLease" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "assignedById" INTEGER,
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewLease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewPolicy" (
    "datasetId" INTEGER NOT NULL,
    "minReviews" INTEGER NOT NULL DEFAULT 1,
    "blind" BOOLEAN NOT NULL DEFAULT false,
    "leaseMinutes" INTEGER NOT NULL DEFAULT 30,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReviewPolicy_pkey" PRIMARY KEY ("datasetId")
);

-- CreateTable
CREATE TABLE "JudgeCache" (
    "hash" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JudgeCache_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_name_key" ON "User"("name");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");

-- CreateIndex
CREATE INDEX "Image_sha256_idx" ON "Image"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "Image_datasetId_name_key" ON "Image"("datasetId", "name");

-- CreateIndex
CREATE INDEX "Scene_imageId_idx" ON "Scene"("imageId");

-- CreateIndex
CREATE UNIQUE INDEX "Scene_datasetId_name_key" ON "Scene"("datasetId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "SceneObject_sceneId_index_key" ON "SceneObject"("sceneId", "index");

-- CreateIndex
CREATE INDEX "Box_imageId_source_idx" ON "Box"("imageId", "source");

-- CreateIndex
CREATE INDEX "Question_datasetId_idx" ON "Question"("datasetId");

-- CreateIndex
CREATE INDEX "Question_imageId_idx" ON "Question"("imageId");

-- CreateIndex
CREATE INDEX "Question_datasetId_externalId_idx" ON "Question"("datasetId", "externalId");

-- CreateIndex
CREATE INDEX "Question_datasetId_text_idx" ON "Question"("datasetId", "text");

-- CreateIndex
CREATE INDEX "QuestionRelation_relationClass_questionId_idx" ON "QuestionRelation"("relationClass", "questionId");

-- CreateIndex
CREATE UNIQUE INDEX "QuestionRelation_questionId_relation_key" ON "QuestionRelation"("questionId", "relation");

-- CreateIndex
CREATE INDEX "Trace_datasetId_id_idx" ON "Trace"("datasetId", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_decision_idx" ON "Trace"("datasetId", "decision");

-- CreateIndex
CREATE INDEX "Trace_datasetId_contentHash_idx" ON "Trace"("datasetId", "contentHash");

-- CreateIndex
CREATE INDEX "Trace_datasetId_method_id_idx" ON "Trace"("datasetId", "method", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_quality_idx" ON "Trace"("datasetId", "quality");

-- CreateIndex
CREATE INDEX "Trace_datasetId_valid_id_idx" ON "Trace"("datasetId", "valid", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_labelState_id_idx" ON "Trace"("datasetId", "labelState", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_disagreements_id_idx" ON "Trace"("datasetId", "disagreements", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Trace_datasetId_externalId_key" ON "Trace"("datasetId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Step_traceId_index_key" ON "Step"("traceId", "index");

-- CreateIndex
CREATE UNIQUE INDEX "StepRevision_stepId_revision_key" ON "StepRevision"("stepId", "revision");

-- CreateIndex
CREATE UNIQUE INDEX "VerifierConfig_version_key" ON "VerifierConfig"("version");

-- CreateIndex
CREATE UNIQUE INDEX "DefaultVerifierConfig_configId_key" ON "DefaultVerifierConfig"("configId");

-- CreateIndex
CREATE INDEX "VerifierRun_datasetId_id_idx" ON "VerifierRun"("datasetId", "id");

-- CreateIndex
CREATE INDEX "Verdict_runId_stepId_idx" ON "Verdict"("runId", "stepId");

-- CreateIndex
CREATE INDEX "Verdict_runId_traceId_idx" ON "Verdict"("runId", "traceId");

-- CreateIndex
CREATE INDEX "Verdict_runId_rule_outcome_idx" ON "Verdict"("runId", "rule", "outcome");

-- CreateIndex
CREATE INDEX "Verdict_stepId_idx" ON "Verdict"("stepId");

-- CreateIndex
CREATE INDEX "TraceScore_traceId_idx" ON "TraceScore"("traceId");

-- CreateIndex
CREATE UNIQUE INDEX "TraceScore_runId_traceId_key" ON "TraceScore"("runId", "traceId");

-- CreateIndex
CREATE INDEX "Review_traceId_current_idx" ON "Review"("traceId", "current");

-- CreateIndex
CREATE INDEX "Review_stepId_current_idx" ON "Review"("stepId", "current");

-- CreateIndex
CREATE INDEX "Review_userId_createdAt_idx" ON "Review"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "Import_createdAt_idx" ON "Import"("createdAt");

-- CreateIndex
CREATE INDEX "AuditLog_userId_id_idx" ON "AuditLog"("userId", "id");

-- CreateIndex
CREATE INDEX "AuditLog_entity_entityId_idx" ON "AuditLog"("entity", "entityId");

-- CreateIndex
CREATE INDEX "AuditLog_createdAt_idx" ON "AuditLog"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuthSession_token_key" ON "AuthSession"("token");

-- CreateIndex
CREATE INDEX "AuthSession_userId_idx" ON "AuthSession"("userId");

-- CreateIndex
CREATE INDEX "AuthAccount_userId_idx" ON "AuthAccount"("userId");

-- CreateIndex
CREATE INDEX "AuthVerification_identifier_idx" ON "AuthVerification"("identifier");

-- CreateIndex
CREATE INDEX "ApiToken_key_idx" ON "ApiToken"("key");

-- CreateIndex
CREATE INDEX "ApiToken_referenceId_idx" ON "ApiToken"("referenceId");

-- CreateIndex
CREATE INDEX "ApiToken_configId_idx" ON "ApiToken"("configId");

-- CreateIndex
CREATE INDEX "Job_kind_id_idx" ON "Job"("kind", "id");

-- CreateIndex
CREATE INDEX "Job_status_idx" ON "Job"("status");

-- CreateIndex
CREATE INDEX "JobItem_jobId_status_idx" ON "JobItem"("jobId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "JobItem_jobId_key_key" ON "JobItem"("jobId", "key");

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

-- CreateIndex
CREATE INDEX "ReviewLease_datasetId_userId_idx" ON "ReviewLease"("datasetId", "userId");

-- CreateIndex
CREATE INDEX "ReviewLease_traceId_idx" ON "ReviewLease"("traceId");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewLease_traceId_userId_key" ON "ReviewLease"("traceId", "userId");

-- AddForeignKey
ALTER TABLE "Image" ADD CONSTRAINT "Image_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scene" ADD CONSTRAINT "Scene_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scene" ADD CONSTRAINT "Scene_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SceneObject" ADD CONSTRAINT "SceneObject_sceneId_fkey" FOREIGN KEY ("sceneId") REFERENCES "Scene"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Box" ADD CONSTRAINT "Box_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Box" ADD CONSTRAINT "Box_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Question" ADD CONSTRAINT "Question_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Question" ADD CONSTRAINT "Question_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "QuestionRelation" ADD CONSTRAINT "QuestionRelation_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trace" ADD CONSTRAINT "Trace_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trace" ADD CONSTRAINT "Trace_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trace" ADD CONSTRAINT "Trace_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trace" ADD CONSTRAINT "Trace_sceneId_fkey" FOREIGN KEY ("sceneId") REFERENCES "Scene"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Step" ADD CONSTRAINT "Step_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepRevision" ADD CONSTRAINT "StepRevision_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepRevision" ADD CONSTRAINT "StepRevision_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VerifierConfig" ADD CONSTRAINT "VerifierConfig_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "VerifierConfig"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DefaultVerifierConfig" ADD CONSTRAINT "DefaultVerifierConfig_configId_fkey" FOREIGN KEY ("configId") REFERENCES "VerifierConfig"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VerifierRun" ADD CONSTRAINT "VerifierRun_configId_fkey" FOREIGN KEY ("configId") REFERENCES "VerifierConfig"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VerifierRun" ADD CONSTRAINT "VerifierRun_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Verdict" ADD CONSTRAINT "Verdict_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Verdict" ADD CONSTRAINT "Verdict_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TraceScore" ADD CONSTRAINT "TraceScore_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TraceScore" ADD CONSTRAINT "TraceScore_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Import" ADD CONSTRAINT "Import_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthSession" ADD CONSTRAINT "AuthSession_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthAccount" ADD CONSTRAINT "AuthAccount_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobItem" ADD CONSTRAINT "JobItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SparePair" ADD CONSTRAINT "SparePair_captionId_fkey" FOREIGN KEY ("captionId") REFERENCES "SpareCaption"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewLease" ADD CONSTRAINT "ReviewLease_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewLease" ADD CONSTRAINT "ReviewLease_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewLease" ADD CONSTRAINT "ReviewLease_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewPolicy" ADD CONSTRAINT "ReviewPolicy_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
