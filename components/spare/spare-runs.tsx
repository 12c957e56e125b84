"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { useHydrated } from "@/components/ui/use-hydrated";
import { ApiError } from "@/lib/queries/fetch-json";
import { spareQueries, useStartSpareRun } from "@/lib/queries/spare";

// The SpaRE runs page (docs/spare.md): start a run on caption files, and the list of runs.

const STATUS_TONE: Record<string, BadgeTone> = { done: "pass", failed: "fail", cancelled: "warn", running: "info", queued: "info", cancelling: "warn" };

interface ErrorDetail {
  file?: string;
  line?: number;
  path?: string;
  error: string;
}

export function SpareRuns() {
  const router = useRouter();
  const runs = useQuery(spareQueries.runs());
  const start = useStartSpareRun();
  const [dataset, setDataset] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [synthesizer, setSynthesizer] = useState<"rules" | "llm">("rules");
  const [endpoint, setEndpoint] = useState("");
  const [model, setModel] = useState("");
  const [reading, setReading] = useState(false);
  const hydrated = useHydrated();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setReading(true);
    let contents: Array<{ name: string; content: string }>;
    try {
      contents = await Promise.all(files.map(async (f) => ({ name: f.name, content: await f.text() })));
    } finally {
      setReading(false);
    }
    const chat = endpoint.trim() ? { baseUrl: endpoint.trim(), model: model.trim() } : null;
    start.mutate(
      { dataset: dataset.trim(), synthesizer, chat, files: contents },
      { onSuccess: (result) => router.push(`/spare/${result.job}`) },
    );
  };

  const error = start.error;
  const details = error instanceof ApiError ? (error.details as ErrorDetail[]) : [];
  const needsEndpoint = synthesizer === "llm" && !endpoint.trim();

  return (
    <div className="grid gap-6 lg:grid-cols-[380px_1fr]">
      <form onSubmit={submit} aria-label="New SpaRE run" data-ready={hydrated ? "true" : "false"} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="font-medium">New run</h2>
        <label className="block text-sm">
          <span className="text-slate-600">Dataset</span>
          <input required value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="spare-docci" className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="block text-sm">
          <span className="text-slate-600">Caption files (JSONL: ImageInWords / DOCCI, Localized Narratives, PixMo-Cap, or {"{image, caption}"})</span>
          <input type="file" multiple accept=".jsonl,.json,.txt" onChange={(e) => setFiles([...(e.target.files ?? [])])} className="mt-1 block w-full text-sm" />
        </label>
        <fieldset className="text-sm">
          <legend className="text-slate-600">Generation</legend>
          <label className="mr-4 inline-flex items-center gap-1">
            <input type="radio" name="synthesizer" checked={synthesizer === "rules"} onChange={() => setSynthesizer("rules")} /> Rules (offline)
          </label>
          <label className="inline-flex items-center gap-1">
            <input type="radio" name="synthesizer" checked={synthesizer === "llm"} onChange={() => setSynthesizer("llm")} /> LLM endpoint
          </label>
        </fieldset>
        <label className="block text-sm">
          <span className="text-slate-600">Endpoint (OpenAI-compatible; optional for rules: then the classifier runs on it)</span>
          <input value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="http://127.0.0.1:8000/v1" className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
        </label>
        {endpoint.trim() ? (
          <label className="block text-sm">
            <span className="text-slate-600">Model</span>
            <input required value={model} onChange={(e) => setModel(e.target.value)} placeholder="Qwen/Qwen2.5-3B-Instruct" className="mt-1 w-full rounded border border-slate-300 px-2 py-1" />
          </label>
        ) : null}
        {needsEndpoint ? <p className="text-xs text-amber-700">LLM generation needs an endpoint and a model.</p> : null}
        <Button type="submit" variant="primary" disabled={files.length === 0 || !dataset.trim() || needsEndpoint || start.isPending || reading}>
          {start.isPending || reading ? "Starting…" : "Run SpaRE"}
        </Button>
        {error ? (
          <div role="alert" className="rounded border border-red-200 bg-red-50 p-2 text-sm text-red-800">
            <p>{error.message}</p>
            {details.length ? (
              <ul className="mt-1 max-h-40 list-disc overflow-auto pl-5 font-mono text-xs">
                {details.slice(0, 50).map((d, i) => (
                  <li key={i}>{[d.file, d.line].filter((x) => x !== undefined && x !== "").join(":")} {d.path} {d.error}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </form>

      <section aria-label="SpaRE runs">
        {runs.isPending ? (
          <p className="text-sm text-slate-500">Loading runs…</p>
        ) : runs.error ? (
          <p role="alert" className="text-sm text-red-700">{runs.error.message}</p>
        ) : runs.data.length === 0 ? (
          <EmptyState title="No SpaRE runs yet">Start one with caption files on the left, or <code className="rounded bg-slate-100 px-1">npm run stepwise -- spare run --captions FILE --dataset NAME</code>.</EmptyState>
        ) : (
          <table className="w-full rounded-lg border border-slate-200 bg-white text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
              <tr>
                <th className="px-3 py-2">Run</th>
                <th className="px-3 py-2">Dataset</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2 text-right">Captions</th>
                <th className="px-3 py-2 text-right">Pairs kept / generated</th>
                <th className="px-3 py-2">Generation</th>
                <th className="px-3 py-2" />
              </tr>
            </thead>
            <tbody>
              {runs.data.map((run) => (
                <tr key={run.id} data-run={run.id} className="border-t border-slate-100">
                  <td className="px-3 py-2"><Link className="font-medium text-brand hover:underline" href={`/spare/${run.id}`}>#{run.id}</Link></td>
                  <td className="px-3 py-2">{run.dataset}</td>
                  <td className="px-3 py-2"><Badge tone={STATUS_TONE[run.status] ?? "neutral"}>{run.status}</Badge>{run.status === "running" ? <span className="ml-2 text-xs text-slate-500">{run.done}/{run.total} chunks</span> : null}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{(run.counters.captions ?? 0).toLocaleString("en-US")}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{(run.counters.kept ?? 0).toLocaleString("en-US")} / {(run.counters.generated ?? 0).toLocaleString("en-US")}</td>
                  <td className="px-3 py-2 text-xs text-slate-600">{run.synthesizer} · classifier {run.classifier}</td>
                  <td className="px-3 py-2 text-right"><Link className="text-brand hover:underline" href={`/spare/${run.id}/review`}>Review</Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
