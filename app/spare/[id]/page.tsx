import Link from "next/link";
import { notFound } from "next/navigation";
import { FunnelView } from "@/components/spare/funnel-view";
import { idParams } from "@/lib/schemas/ids";

export const dynamic = "force-dynamic";
export const metadata = { title: "SpaRE funnel" };

export default async function SpareFunnelPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = idParams.safeParse(await params);
  if (!parsed.success) notFound();
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/spare" className="hover:underline">SpaRE</Link> / <span>#{parsed.data.id}</span>
      </nav>
      <FunnelView job={parsed.data.id} />
    </div>
  );
}
