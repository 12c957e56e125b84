import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { VerifyNowButton } from "@/components/verdicts/verify-now-button";
import type { TraceVerificationDto } from "@/lib/schemas/verifier";

// The trace header's verifier facts: quality score, validity, failing steps, which run and config.

export function VerificationSummary({ verification, dataset }: { verification: TraceVerificationDto | null; dataset: string }) {
  if (!verification) {
    return (
      <div data-testid="verification-summary" data-verified="false" className="flex flex-wrap items-center gap-2 text-sm text-slate-500">
        <span>
          Not verified yet — <code className="rounded bg-slate-100 px-1">stepwise verify --dataset {dataset}</code> or
        </span>
        <VerifyNowButton dataset={dataset} />
      </div>
    );
  }
  const { quality, valid, failingSteps, run, config } = verification;
  return (
    <div data-testid="verification-summary" data-verified="true" data-valid={String(valid)} data-quality={quality.toFixed(4)} className="flex flex-wrap items-center gap-2 text-sm">
      <span className="inline-flex items-center gap-1.5">
        <span className="text-slate-500">Quality</span>
        <span className="relative inline-block h-2 w-20 overflow-hidden rounded-full bg-slate-200" aria-hidden>
          <span className={`absolute inset-y-0 left-0 ${valid ? "bg-green-500" : "bg-red-400"}`} style={{ width: `${Math.round(quality * 100)}%` }} />
        </span>
        <strong className="tabular-nums">{quality.toFixed(2)}</strong>
      </span>
      <Badge tone={valid ? "pass" : "fail"}>{valid ? "valid" : "invalid"}</Badge>
      {failingSteps ? <span className="text-red-700">{failingSteps} failing step{failingSteps === 1 ? "" : "s"}</span> : <span className="text-slate-500">no failing step</span>}
      <Link href={`/datasets/${encodeURIComponent(dataset)}/metrics`} className="text-xs text-slate-400 hover:text-slate-700 hover:underline">
        run {run} · verifier v{config}
      </Link>
    </div>
  );
}
