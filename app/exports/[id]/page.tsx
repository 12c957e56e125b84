import Link from "next/link";
import { notFound } from "next/navigation";
import { ExportDetail } from "@/components/exports/export-detail";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/schemas/ids";
import { getExport } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";
export const metadata = { title: "Export" };

export default async function ExportPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = idParams.safeParse(await params);
  if (!parsed.success) notFound();
  const item = await getExport(parsed.data.id).catch((error) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/exports" className="hover:underline">Exports</Link> / <span>#{item.id}</span>
      </nav>
      <ExportDetail initial={item} />
    </div>
  );
}
