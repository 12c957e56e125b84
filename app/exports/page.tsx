import { ExportsWorkspace } from "@/components/exports/exports-workspace";
import { exportOptions, listExports } from "@/lib/services/export/exports";

export const dynamic = "force-dynamic";
export const metadata = { title: "Exports" };

export default async function ExportsPage() {
  const [options, exports] = await Promise.all([exportOptions(), listExports()]);
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Exports</h1>
        <p className="mt-1 text-sm text-slate-500">
          Curated training sets in TRL and OpenAI layouts, split by image, with a dataset card and a manifest. The same data and settings always give the same files.
        </p>
      </div>
      <ExportsWorkspace options={options} exports={exports} />
    </div>
  );
}
