import { toolReference } from "@/lib/tools/reference";

export const metadata = { title: "Tool reference" };

// The tool reference, generated from the registry (lib/tools/reference.ts; the same as docs/tools.md).
export default function ToolsPage() {
  const entries = toolReference();
  const families = [...new Set(entries.map((e) => e.family))];
  return (
    <div className="mx-auto max-w-4xl space-y-8" data-testid="tool-reference">
      <header>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Tool reference</h1>
        <p className="mt-1 text-sm text-slate-500">
          Every tool a trace may call: its arguments (what the <code>args.schema</code> rule checks), its result and an example. Exports carry these schemas in their <code>tools</code> column.
        </p>
        <nav className="mt-3 flex flex-wrap gap-2 text-xs" aria-label="Tools">
          {entries.map((e) => (
            <a key={e.name} href={`#${e.name}`} className="rounded bg-slate-100 px-2 py-0.5 font-mono text-slate-700 hover:bg-slate-200">{e.name}</a>
          ))}
        </nav>
      </header>
      {families.map((family) => (
        <section key={family} className="space-y-4">
          <h2 className="text-lg font-semibold text-slate-800">{family}</h2>
          {entries.filter((e) => e.family === family).map((e) => (
            <article key={e.name} id={e.name} className="rounded-lg border border-slate-200 bg-white p-4" data-tool={e.name}>
              <h3 className="font-mono text-base font-semibold text-slate-900">{e.name}</h3>
              <p className="mt-1 text-sm text-slate-600">{e.description}</p>
              {e.params.length ? (
                <table className="mt-3 w-full text-left text-sm">
                  <thead className="text-xs text-slate-500">
                    <tr><th className="py-1 pr-3">argument</th><th className="pr-3">type</th><th className="pr-3">required</th><th>values</th></tr>
                  </thead>
                  <tbody>
                    {e.params.map((p) => (
                      <tr key={p.name} className="border-t border-slate-100">
                        <td className="py-1 pr-3 font-mono">{p.name}</td>
                        <td className="pr-3">{p.type}</td>
                        <td className="pr-3">{p.required ? "yes" : "no"}</td>
                        <td className="font-mono text-xs">{p.values?.join(", ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="mt-2 text-sm text-slate-500">No arguments.</p>
              )}
              <p className="mt-3 text-xs font-medium text-slate-500">Result (JSON Schema)</p>
              <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs">{e.result}</pre>
              {e.example ? (
                <>
                  <p className="mt-3 text-xs font-medium text-slate-500">Example call</p>
                  <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify({ name: e.name, arguments: e.example })}</pre>
                </>
              ) : null}
            </article>
          ))}
        </section>
      ))}
    </div>
  );
}
