-- CreateIndex
CREATE INDEX "Trace_datasetId_id_idx" ON "Trace"("datasetId", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_decision_idx" ON "Trace"("datasetId", "decision");
