-- CreateIndex
CREATE INDEX "Trace_datasetId_quality_id_idx" ON "Trace"("datasetId", "quality", "id");

-- CreateIndex
CREATE INDEX "Trace_datasetId_quality_desc_id_idx" ON "Trace"("datasetId", "quality" DESC, "id");
