import { GenerateForm } from "@/components/generate/generate-form";
import { GenerationJobList } from "@/components/generate/job-list";
import { listGenerationJobs } from "@/lib/services/generate/generation-jobs";
import { listDatasets } from "@/lib/services/traces/datasets";

export const dynamic = "force-dynamic";
export const metadata = { title: "Generate" };

export default async function GeneratePage() {
  const [datasets, jobs] = await Promise.all([listDatasets(), listGenerationJobs()]);
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Generate traces</h1>
        <p className="mt-1 text-sm text-slate-500">
          Run a teacher model in a tool loop over your questions — the built-in teacher, or any OpenAI-compatible endpoint (vLLM, Ollama, OpenAI). Stepwise executes every tool call against the scene; step-level verification resamples the steps the verifier fails. Jobs run on the server: close the page and come back.
        </p>
      </div>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <GenerateForm datasets={datasets} />
        <section aria-label="Jobs" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-700">Jobs</h2>
          <GenerationJobList initial={jobs} />
        </section>
      </div>
    </div>
  );
}
