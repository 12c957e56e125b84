-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" TEXT NOT NULL DEFAULT 'reviewer',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Image" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "sha256" TEXT,
    "path" TEXT,
    "url" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "mime" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Image_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Scene" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "imageId" INTEGER,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'clevr',
    "relationships" JSONB,
    "directions" JSONB,
    "info" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Scene_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Scene_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SceneObject" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sceneId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "color" TEXT,
    "size" TEXT,
    "shape" TEXT,
    "material" TEXT,
    "x3d" REAL,
    "y3d" REAL,
    "z3d" REAL,
    "px" REAL,
    "py" REAL,
    "depth" REAL,
    "rotation" REAL,
    "extra" JSONB,
    CONSTRAINT "SceneObject_sceneId_fkey" FOREIGN KEY ("sceneId") REFERENCES "Scene" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Box" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "imageId" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "label" TEXT,
    "objectIndex" INTEGER,
    "x" REAL NOT NULL,
    "y" REAL NOT NULL,
    "w" REAL NOT NULL,
    "h" REAL NOT NULL,
    "score" REAL,
    "createdById" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Box_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Box_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Question" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "imageId" INTEGER,
    "externalId" TEXT,
    "text" TEXT NOT NULL,
    "answer" TEXT,
    "program" JSONB,
    "source" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Question_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Question_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "QuestionRelation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "questionId" INTEGER NOT NULL,
    "relation" TEXT NOT NULL,
    "relationClass" TEXT NOT NULL,
    CONSTRAINT "QuestionRelation_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Trace" (
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Trace_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Trace_questionId_fkey" FOREIGN KEY ("questionId") REFERENCES "Question" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Trace_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "Image" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Trace_sceneId_fkey" FOREIGN KEY ("sceneId") REFERENCES "Scene" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Step" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    CONSTRAINT "Step_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "StepRevision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "stepId" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "text" TEXT,
    "args" JSONB,
    "result" JSONB,
    "reason" TEXT,
    "createdById" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StepRevision_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "StepRevision_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "VerifierConfig" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" INTEGER,
    "rules" JSONB NOT NULL,
    "tolerances" JSONB NOT NULL,
    "threshold" REAL NOT NULL,
    "notes" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "VerifierConfig_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "VerifierConfig" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "VerifierRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "configId" INTEGER NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "traces" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "seconds" REAL,
    "metrics" JSONB,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "VerifierRun_configId_fkey" FOREIGN KEY ("configId") REFERENCES "VerifierConfig" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "VerifierRun_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Verdict" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" INTEGER NOT NULL,
    "stepId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "rule" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "severity" TEXT,
    "message" TEXT,
    "evidence" JSONB,
    CONSTRAINT "Verdict_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Verdict_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "TraceScore" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" INTEGER NOT NULL,
    "traceId" INTEGER NOT NULL,
    "quality" REAL NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "parts" JSONB,
    CONSTRAINT "TraceScore_runId_fkey" FOREIGN KEY ("runId") REFERENCES "VerifierRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TraceScore_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Review" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Review_traceId_fkey" FOREIGN KEY ("traceId") REFERENCES "Trace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Review_stepId_fkey" FOREIGN KEY ("stepId") REFERENCES "Step" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Review_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Import" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER,
    "files" JSONB NOT NULL,
    "format" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "created" JSONB,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "skipped" JSONB,
    "warnings" JSONB,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "Import_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Export" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" REAL NOT NULL DEFAULT 0,
    "rows" INTEGER NOT NULL DEFAULT 0,
    "files" JSONB,
    "skipped" JSONB,
    "path" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT,
    "data" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AuditLog_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
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
CREATE INDEX "QuestionRelation_relationClass_questionId_idx" ON "QuestionRelation"("relationClass", "questionId");

-- CreateIndex
CREATE UNIQUE INDEX "QuestionRelation_questionId_relation_key" ON "QuestionRelation"("questionId", "relation");

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
CREATE UNIQUE INDEX "Trace_datasetId_externalId_key" ON "Trace"("datasetId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "Step_traceId_index_key" ON "Step"("traceId", "index");

-- CreateIndex
CREATE UNIQUE INDEX "StepRevision_stepId_revision_key" ON "StepRevision"("stepId", "revision");

-- CreateIndex
CREATE UNIQUE INDEX "VerifierConfig_version_key" ON "VerifierConfig"("version");

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
CREATE INDEX "AuditLog_entity_entityId_idx" ON "AuditLog"("entity", "entityId");

-- CreateIndex
CREATE INDEX "AuditLog_createdAt_idx" ON "AuditLog"("createdAt");
