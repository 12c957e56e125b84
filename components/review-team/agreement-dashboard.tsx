"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import { teamQueries } from "@/lib/queries/review-team";
import type { AgreementBlock, AgreementReport, IntervalDto, ReviewProgress } from "@/lib/schemas/adjudication";

// The agreement dashboard (docs/design.md §13): headline Krippendorff's α with the other
// statistics and their 95% bootstrap intervals, pairwise κ, each reviewer against the others and
// the verifier, traces by how much their reviewers agreed, and per-reviewer progress.

const fmt = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? "—" : x.toFixed(digits));
const interval = (i: IntervalDto) => (i.value === null ? "—" : `${fmt(i.value)}${i.lo !== null && i.hi !== null ? ` [${fmt(i.lo)}, ${fmt(i.hi)}]` : ""}`);

function Stat({ label, value, hint, testId }: { label: string; value: IntervalDto; hint: string; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3" data-testid={testId} title={hint}>
      <div className="text-xs text-slate-500">{label}</div>
      <div className="text-lg font-semibold tabular-nums">{fmt(value.value)}</div>
      <div className="text-xs tabular-nums text-slate-500">{value.lo !== null && value.hi !== null ? `95% CI ${fmt(value.lo)} – ${fmt(value.hi)}` : "no interval (too few items)"}</div>
    </div>
  );
}

function Block({ title, block, unit, testId }: { title: string; block: AgreementBlock; unit: string; testId: string }) {
  return (
    <section className="space-y-2" data-testid={testId}>
      <h2 className="text-lg font-semibold">{title}</h2>
      {block.units === 0 ? (
        <p className="text-sm text-slate-500">No {unit} has labels from two or more reviewers yet. Set an overlap of 2 on the adjudication page, or label the same traces as someone else.</p>
      ) : (
        <>
          <p className="text-sm text-slate-500">{block.units} {unit}{block.units === 1 ? "" : "s"} labelled by two or more of {block.raters.join(", ")}.</p>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
            <Stat label="Krippendorff's α (ordinal)" value={block.alphaOrdinal} hint="Headline: chance-corrected agreement; reject < neutral < accept, so neutral vs accept costs less than reject vs accept" testId={`${testId}-alpha`} />
            <Stat label="Krippendorff's α (nominal)" value={block.alphaNominal} hint="Chance-corrected agreement, every disagreement equal" />
            <Stat label="Cohen's κ (mean of pairs)" value={block.kappa} hint="Pairwise Cohen's κ averaged, weighted by shared items" />
            <Stat label="Gwet's AC1" value={block.ac1} hint="Chance-corrected agreement that stays stable when almost every label is the same" />
            <Stat label="Raw agreement" value={block.raw} hint="Share of agreeing pairs of labels" testId={`${testId}-raw`} />
          </div>
          {block.pairs.length ? (
            <table className="text-sm">
              <thead><tr className="text-left text-slate-500"><th className="pr-6">Pair</th><th className="pr-6">Shared</th><th>Cohen&apos;s κ [95% CI]</th></tr></thead>
              <tbody>{block.pairs.map((p) => <tr key={`${p.a}-${p.b}`}><td className="pr-6">{p.a} · {p.b}</td><td className="pr-6 tabular-nums">{p.n}</td><td className="tabular-nums">{interval(p.kappa)}</td></tr>)}</tbody>
            </table>
          ) : null}
        </>
      )}
    </section>
  );
}

export function AgreementDashboard({ dataset, initial, progress: initialProgress }: { dataset: string; initial: AgreementReport; progress: ReviewProgress }) {
  const { data: report = initial } = useQuery({ ...teamQueries.agreement(dataset), initialData: initial });
  const { data: progress = initialProgress } = useQuery({ ...teamQueries.progress(dataset), initialData: initialProgress });
  return (
    <div className="space-y-8">
      <section className="space-y-2" data-testid="review-progress">
        <h2 className="text-lg font-semibold">Progress</h2>
        <p className="text-sm text-slate-500">
          {progress.policy.enforced ? `${progress.policy.minReviews} reviewer${progress.policy.minReviews === 1 ? "" : "s"} per trace${progress.policy.blind ? ", blind" : ""}` : "One reviewer per trace (no overlap set)"}
          {" · "}{progress.covered} of {progress.traces} traces have {progress.policy.minReviews === 1 ? "a reviewer" : `${progress.policy.minReviews} reviewers`}.
        </p>
        {progress.reviewers.length ? (
          <table className="text-sm">
            <thead><tr className="text-left text-slate-500"><th className="pr-6">Reviewer</th><th className="pr-6">Assigned</th><th className="pr-6">Leased</th><th className="pr-6">Traces reviewed</th><th>Labels</th></tr></thead>
            <tbody>{progress.reviewers.map((r) => <tr key={r.name} data-testid={`progress-${r.name}`}><td className="pr-6">{r.name}</td><td className="pr-6 tabular-nums">{r.assigned}</td><td className="pr-6 tabular-nums">{r.leased}</td><td className="pr-6 tabular-nums">{r.reviewedTraces}</td><td className="tabular-nums">{r.labels}</td></tr>)}</tbody>
          </table>
        ) : <p className="text-sm text-slate-500">Nobody has reviewed or been assigned a trace of this dataset yet.</p>}
      </section>
      <Block title="Agreement per step" block={report.steps} unit="step" testId="agreement-steps" />
      <Block title="Agreement per trace decision" block={report.traces} unit="trace" testId="agreement-traces" />
      {report.reviewers.length ? (
        <section className="space-y-2">
          <h2 className="text-lg font-semibold">Each reviewer</h2>
          <table className="text-sm" data-testid="agreement-reviewers">
            <thead><tr className="text-left text-slate-500"><th className="pr-6">Reviewer</th><th className="pr-6">Steps</th><th className="pr-6">vs the others&apos; majority</th><th className="pr-6">κ</th><th className="pr-6">vs the verifier</th><th>κ</th></tr></thead>
            <tbody>
              {report.reviewers.map((r) => (
                <tr key={r.rater}>
                  <td className="pr-6">{r.rater}</td>
                  <td className="pr-6 tabular-nums">{r.labelled}</td>
                  <td className="pr-6 tabular-nums">{r.consensus.n ? `${r.consensus.agree}/${r.consensus.n} (${fmt(r.consensus.raw)})` : "—"}</td>
                  <td className="pr-6 tabular-nums">{interval(r.consensus.kappa)}</td>
                  <td className="pr-6 tabular-nums">{r.verifier.n ? `${r.verifier.agree}/${r.verifier.n} (${fmt(r.verifier.raw)})` : "—"}</td>
                  <td className="tabular-nums">{interval(r.verifier.kappa)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section className="space-y-2">
        <h2 className="text-lg font-semibold">Traces, least agreement first</h2>
        {report.perTrace.length === 0 ? (
          <EmptyState title="No shared traces">Agreement per trace appears once two reviewers label the same steps.</EmptyState>
        ) : (
          <table className="w-full text-sm" data-testid="agreement-per-trace">
            <thead><tr className="text-left text-slate-500"><th className="pr-6">Trace</th><th className="pr-6">Reviewers</th><th className="pr-6">Steps agreed</th><th>Raw agreement</th></tr></thead>
            <tbody>
              {report.perTrace.map((t) => (
                <tr key={t.traceId}>
                  <td className="max-w-xl truncate pr-6"><Link className="text-brand hover:underline" href={`/traces/${t.traceId}`}>{t.question || `trace ${t.traceId}`}</Link></td>
                  <td className="pr-6">{t.reviewers.join(", ")}</td>
                  <td className="pr-6 tabular-nums">{t.agreed}/{t.steps}</td>
                  <td className="tabular-nums">{fmt(t.raw)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
