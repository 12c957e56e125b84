import Link from "next/link";
import { notFound } from "next/navigation";
import { PairReview } from "@/components/spare/pair-review";
import { idParams } from "@/lib/schemas/ids";

export const dynamic = "force-dynamic";
export const metadata = { title: "SpaRE review" };

export default async function SpareReviewPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const parsed = idParams.safeParse(await params);
  if (!parsed.success) notFound();
  const query = await searchParams;
  const one = (key: string) => (typeof query[key] === "string" ? (query[key] as string) : undefined);
  const pair = Number(one("pair"));
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/spare" className="hover:underline">SpaRE</Link> / <Link href={`/spare/${parsed.data.id}`} className="hover:underline">#{parsed.data.id}</Link> / <span>Review</span>
      </nav>
      <PairReview job={parsed.data.id} initialFilter={{ removedBy: one("removedBy"), relation: one("relation"), label: one("label") }} initialPair={Number.isInteger(pair) && pair > 0 ? pair : null} />
    </div>
  );
}
