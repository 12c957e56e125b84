-- CreateIndex
CREATE INDEX "Verdict_runId_id_idx" ON "Verdict"("runId", "id");
