-- CreateTable
CREATE TABLE "TraceCount" (
    "datasetId" INTEGER NOT NULL,
    "traces" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TraceCount_pkey" PRIMARY KEY ("datasetId")
);

-- Traces per dataset, kept by triggers whatever writes Trace (the review queue's progress total
-- without a count(*) over every trace; docs/postgres.md "Review … reads"). Statement triggers with
-- transition tables: an import's one INSERT of 1,000 traces adds once, in dataset order (no deadlock
-- between two writers). The count row is locked until the writer commits, so readers see the count
-- with the traces. A move between datasets (UPDATE OF "datasetId") is a row trigger: a column list
-- takes no transition table, and the row trigger costs the updates that leave datasetId alone nothing.
INSERT INTO "TraceCount" ("datasetId", "traces") SELECT "datasetId", COUNT(*) FROM "Trace" GROUP BY "datasetId";

CREATE FUNCTION "Trace_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "TraceCount" ("datasetId", "traces")
  SELECT c."datasetId", CASE WHEN TG_OP = 'INSERT' THEN COUNT(*) ELSE -COUNT(*) END FROM changed c GROUP BY c."datasetId" ORDER BY 1
  ON CONFLICT ("datasetId") DO UPDATE SET "traces" = "TraceCount"."traces" + excluded."traces";
  RETURN NULL;
END $$;

CREATE TRIGGER "Trace_count_insert" AFTER INSERT ON "Trace"
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Trace_count"();

CREATE TRIGGER "Trace_count_delete" AFTER DELETE ON "Trace"
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION "Trace_count"();

CREATE FUNCTION "Trace_count_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "TraceCount" SET "traces" = "traces" - 1 WHERE "datasetId" = OLD."datasetId";
  INSERT INTO "TraceCount" ("datasetId", "traces") VALUES (NEW."datasetId", 1)
  ON CONFLICT ("datasetId") DO UPDATE SET "traces" = "TraceCount"."traces" + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER "Trace_count_move" AFTER UPDATE OF "datasetId" ON "Trace"
FOR EACH ROW WHEN (OLD."datasetId" IS DISTINCT FROM NEW."datasetId") EXECUTE FUNCTION "Trace_count_move"();
