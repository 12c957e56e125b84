"use client";

import { Button } from "@/components/ui/button";
import { RunError, RunProgress } from "@/components/verdicts/run-progress";
import { useRunVerifier } from "@/lib/queries/metrics";

/** Runs the verifier (default config) on the dataset from where the reviewer is; errors say why. */
export function VerifyNowButton({ dataset }: { dataset: string }) {
  const verify = useRunVerifier(dataset);
  return (
    <span className="inline-flex items-center gap-2">
      <Button onClick={() => verify.mutate(undefined)} disabled={verify.isPending}>
        {verify.isPending ? "Verifying…" : "Verify this dataset now"}
      </Button>
      {verify.isPending ? <RunProgress dataset={dataset} /> : null}
      {verify.isError ? <RunError error={verify.error} className="text-xs" /> : null}
    </span>
  );
}
