-- Hand-written (not generated from the schema): what the SQLite migrations add beyond the tables,
-- in PostgreSQL's dialect (docs/design.md §14). Keep in step with prisma/migrations:
--   20261122002304_verifier_v1: the default verifier configuration v1 and its immutability triggers
--   20261206155939_verifier_default_config: the explicit default slot

-- The default verifier configuration, v1 (lib/verifier/config.ts DEFAULT_SETTINGS, kept equal by
-- lib/services/verifier-configs.int.test.ts). A fresh database can verify without a seed.
INSERT INTO "VerifierConfig" ("version", "name", "parentId", "rules", "tolerances", "scoring", "threshold", "notes")
VALUES (
  1,
  'v1 (default)',
  NULL,
  '{"args.schema":{"enabled":true,"weight":1},"args.refs":{"enabled":true,"weight":1},"result.reexec":{"enabled":true,"weight":2},"reasoning.claims":{"enabled":true,"weight":2},"cross.pairing":{"enabled":true,"weight":1},"cross.propagation":{"enabled":true,"weight":1},"cross.answer":{"enabled":true,"weight":1},"final.correct":{"enabled":true,"weight":1}}',
  '{"iou":0.5,"centreInBox":true,"number":0.000001,"claimNumber":0.01}',
  '{"steps":0.6,"completeness":0.2,"final":0.2}',
  0.8,
  'Every DESIGN §5 rule; tool re-execution and reasoning claims weigh double.'
);

-- The default starts as the newest configuration.
INSERT INTO "DefaultVerifierConfig" ("slot", "configId")
SELECT 'default', "id" FROM "VerifierConfig" ORDER BY "version" DESC LIMIT 1;

-- A configuration is immutable once a run used it: results must stay reproducible from it.
CREATE FUNCTION "VerifierConfig_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "VerifierRun" WHERE "configId" = OLD."id") THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'verifier config is immutable once used by a run';
    END IF;
    RAISE EXCEPTION 'verifier config is immutable once used by a run; create a new version';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "VerifierConfig_immutable_update" BEFORE UPDATE ON "VerifierConfig"
FOR EACH ROW EXECUTE FUNCTION "VerifierConfig_immutable"();

CREATE TRIGGER "VerifierConfig_immutable_delete" BEFORE DELETE ON "VerifierConfig"
FOR EACH ROW EXECUTE FUNCTION "VerifierConfig_immutable"();
