import Link from "next/link";
import { notFound } from "next/navigation";
import { GenerationJobDetail } from "@/components/generate/job-detail";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/schemas/ids";
import { getGenerationJob } from "@/lib/services/generate/generation-jobs";

export const dynamic = "force-dynamic";
export const metadata = { title: "Generation job" };

export default async function GenerationJobPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = idParams.safeParse(await params);
  if (!parsed.success) notFound();
  const job = await getGenerationJob(parsed.data.id).catch((error) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/generate" className="hover:underline">Generate</Link> / <span>#{job.id}</span>
      </nav>
      <GenerationJobDetail initial={job} />
    </div>
  );
}
