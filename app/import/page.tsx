import { ImportHistory } from "@/components/import/import-history";
import { UploadForm } from "@/components/import/upload-form";
import { formatSummaries } from "@/lib/formats/read";
import { listDatasets } from "@/lib/services/traces/datasets";
import { withProgress } from "@/lib/services/import/import-jobs";
import { listImports } from "@/lib/services/import/imports";

export const dynamic = "force-dynamic";
export const metadata = { title: "Import" };

export default async function ImportPage() {
  const [datasets, history] = await Promise.all([listDatasets(), listImports({ limit: 50 })]);
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Import</h1>
        <p className="mt-1 text-sm text-slate-500">
          Traces (canonical JSONL, OpenAI chat transcripts, ReAct logs, VisProg, PRM800K), CLEVR scenes and questions, COCO detections and masks.
          All-or-nothing unless you skip invalid records; the same files via <code className="rounded bg-slate-100 px-1">npm run stepwise -- import</code> or{" "}
          <code className="rounded bg-slate-100 px-1">POST /api/imports</code>. Formats: <a className="text-brand underline" href="/api/schema/trace">trace JSON Schema</a>.
        </p>
      </div>
      <UploadForm formats={formatSummaries()} datasets={datasets.map((d) => d.name)} />
      <section className="space-y-3" aria-label="Import history">
        <h2 className="text-lg font-semibold">History</h2>
        <ImportHistory initial={withProgress(history)} />
      </section>
    </div>
  );
}
