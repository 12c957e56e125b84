import Link from "next/link";

export const metadata = { title: "Not found" };

// Every unknown address and every notFound() (a trace, export or dataset that does not exist) lands
// here, inside the app's header, with the ways back.
export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white px-8 py-12 text-center" data-testid="not-found">
      <p className="text-sm font-medium uppercase tracking-wide text-slate-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">This page does not exist</h1>
      <p className="mt-2 text-sm text-slate-500">
        The trace, export or dataset may have been deleted, or the address mistyped.
      </p>
      <div className="mt-6 flex justify-center gap-3 text-sm">
        <Link href="/" className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-700">Datasets</Link>
        <Link href="/traces" className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-50">Traces</Link>
        <Link href="/exports" className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-700 hover:bg-slate-50">Exports</Link>
      </div>
    </div>
  );
}
