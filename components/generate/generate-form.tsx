"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { ApiError } from "@/lib/queries/fetch-json";
import { useStartGeneration } from "@/lib/queries/generation";
import type { DatasetSummary } from "@/lib/schemas/datasets";
import { BUILTIN_FAULTS, GENERATION_METHOD_NAMES, type GenerationStartInput } from "@/lib/schemas/generation";

// The /generate form (docs/generation.md): questions (a dataset's, or an uploaded question file),
// the teacher (the built-in one, or any OpenAI-compatible URL + model + the NAME of the variable
// holding its key), the method and its limits. Start preflights the teacher on the server; a wrong
// URL, model or key comes back as an error here and nothing is written.

const input = "w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm focus:border-brand focus:outline-none focus:ring-1 focus:ring-brand";

const COMPARED_METHODS = ["direct", "final-answer", "step-level"] as const;

export const METHOD_INFO: Record<(typeof GENERATION_METHOD_NAMES)[number], string> = {
  direct: "one trace per question, no verification",
  "final-answer": "resample the whole trace up to k times until the final answer is right",
  "step-level": "verify after each step; resample a failing step up to k times",
  "best-of-n": "k traces, keep the one the verifier scores best",
};

function Field({ label, hint, htmlFor, children }: { label: string; hint?: ReactNode; htmlFor: string; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className="block text-xs font-medium text-slate-600">{label}</label>
      {children}
      {hint ? <p className="text-[11px] text-slate-400">{hint}</p> : null}
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</legend>
      {children}
    </fieldset>
  );
}

function NumberField({ id, label, value, onChange, min, max, step, hint, optional }: { id: string; label: string; value: number | null; onChange: (v: number | null) => void; min: number; max: number; step?: number; hint?: string; optional?: boolean }) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <input
        id={id}
        type="number"
        className={input}
        min={min}
        max={max}
        step={step ?? 1}
        value={value ?? ""}
        placeholder={optional ? "none" : undefined}
        required={!optional}
        onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
      />
    </Field>
  );
}

export function GenerateForm({ datasets }: { datasets: DatasetSummary[] }) {
  const router = useRouter();
  const start = useStartGeneration();
  const withScenes = datasets.filter((d) => d.scenes > 0);
  const withQuestions = datasets.filter((d) => d.questions > 0);
  const [dataset, setDataset] = useState(withScenes[0]?.name ?? "");
  const [source, setSource] = useState<"dataset" | "file">("dataset");
  const [fromDataset, setFromDataset] = useState(withQuestions.find((d) => d.name === withScenes[0]?.name)?.name ?? withQuestions[0]?.name ?? "");
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [teacher, setTeacher] = useState<"builtin" | "endpoint">("builtin");
  const [faults, setFaults] = useState<(typeof BUILTIN_FAULTS)[number]>("default");
  const [latencyMs, setLatencyMs] = useState<number | null>(0);
  const [misbehave, setMisbehave] = useState(false);
  const [baseUrl, setBaseUrl] = useState("http://127.0.0.1:8000/v1");
  const [model, setModel] = useState("");
  const [apiKeyEnv, setApiKeyEnv] = useState("");
  const [temperature, setTemperature] = useState<number | null>(0.7);
  const [method, setMethod] = useState<(typeof GENERATION_METHOD_NAMES)[number]>("step-level");
  const [k, setK] = useState<number | null>(4);
  const [samples, setSamples] = useState<number | null>(1);
  const [concurrency, setConcurrency] = useState<number | null>(8);
  const [maxTurns, setMaxTurns] = useState<number | null>(16);
  const [tokenBudget, setTokenBudget] = useState<number | null>(null);
  const [budget, setBudget] = useState<number | null>(null);
  const [limit, setLimit] = useState<number | null>(null);
  const [compare, setCompare] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: GenerationStartInput = {
      dataset,
      fromDataset: source === "dataset" ? fromDataset || null : null,
      questionsFile: source === "file" ? file : null,
      teacher:
        teacher === "builtin"
          ? { kind: "builtin", faults, latencyMs: latencyMs ?? 0, misbehaveRate: misbehave ? 0.3 : 0 }
          : { kind: "endpoint", baseUrl, model, apiKeyEnv: apiKeyEnv.trim() || null, temperature },
      method,
      k: k ?? 1,
      samples: samples ?? 1,
      concurrency: concurrency ?? 1,
      maxTurns: maxTurns ?? 16,
      tokenBudget,
      budget,
      limit,
    };
    if (!compare) {
      start.mutate(body, { onSuccess: (job) => router.push(`/generate/${job.id}`) });
      return;
    }
    // Table 1: the same questions through each method, one job each (they appear in the job list);
    // once done, the dataset's metrics page compares them after a verifier run
    void (async () => {
      for (const m of COMPARED_METHODS) await start.mutateAsync({ ...body, method: m });
    })().catch(() => {});
  };

  const error = start.error;
  const details = error instanceof ApiError ? (error.details as Array<{ file?: string; line?: number; path?: string; error: string }>) : [];
  const noScenes = withScenes.length === 0;

  return (
    <form onSubmit={submit} aria-label="New generation job" className="space-y-4">
      <Section title="Questions">
        <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Question source">
          <label className="flex items-center gap-1.5">
            <input type="radio" name="source" className="accent-brand" checked={source === "dataset"} onChange={() => setSource("dataset")} /> A dataset&apos;s questions
          </label>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="source" className="accent-brand" checked={source === "file"} onChange={() => setSource("file")} /> A question file
          </label>
        </div>
        {source === "dataset" ? (
          <Field label="Questions of" htmlFor="gen-from">
            <select id="gen-from" className={input} value={fromDataset} onChange={(e) => setFromDataset(e.target.value)}>
              {withQuestions.length === 0 ? <option value="">no dataset has questions yet</option> : null}
              {withQuestions.map((d) => (
                <option key={d.name} value={d.name}>{d.name} ({d.questions.toLocaleString("en-US")} questions)</option>
              ))}
            </select>
          </Field>
        ) : (
          <Field label="Question file" htmlFor="gen-file" hint={<>CLEVR questions (JSON or JSON lines) or canonical JSON lines {`{"image", "question", "answer"?, "scene"?}`} — schema at <a className="underline" href="/api/schema/question">/api/schema/question</a></>}>
            <input
              id="gen-file"
              type="file"
              accept=".json,.jsonl,.ndjson,application/json"
              className="block text-sm"
              onChange={async (e) => {
                const picked = e.target.files?.[0];
                setFile(picked ? { name: picked.name, text: await picked.text() } : null);
              }}
            />
          </Field>
        )}
        <Field label="Write traces to dataset" htmlFor="gen-dataset" hint="Its scenes give the tools their scene graphs (questions are matched by image name).">
          <select id="gen-dataset" className={input} value={dataset} onChange={(e) => setDataset(e.target.value)}>
            {noScenes ? <option value="">no dataset has scenes — import CLEVR scenes first</option> : null}
            {withScenes.map((d) => (
              <option key={d.name} value={d.name}>{d.name} ({d.scenes.toLocaleString("en-US")} scenes)</option>
            ))}
          </select>
        </Field>
        <NumberField id="gen-limit" label="Only the first N questions" value={limit} onChange={setLimit} min={1} max={10_000_000} optional />
      </Section>

      <Section title="Teacher">
        <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Teacher">
          <label className="flex items-center gap-1.5">
            <input type="radio" name="teacher" className="accent-brand" checked={teacher === "builtin"} onChange={() => setTeacher("builtin")} /> Built-in teacher (no model needed)
          </label>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="teacher" className="accent-brand" checked={teacher === "endpoint"} onChange={() => setTeacher("endpoint")} /> OpenAI-compatible endpoint
          </label>
        </div>
        {teacher === "builtin" ? (
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="Reasoning faults" htmlFor="gen-faults" hint="flaky adds 429s and 500s">
              <select id="gen-faults" className={input} value={faults} onChange={(e) => setFaults(e.target.value as typeof faults)}>
                {BUILTIN_FAULTS.map((f) => <option key={f} value={f}>{f}</option>)}
              </select>
            </Field>
            <NumberField id="gen-latency" label="Latency per request (ms)" value={latencyMs} onChange={setLatencyMs} min={0} max={60_000} />
            <label className="flex items-center gap-2 self-end pb-1 text-sm text-slate-700">
              <input type="checkbox" className="accent-brand" checked={misbehave} onChange={(e) => setMisbehave(e.target.checked)} /> Misbehave like real servers
            </label>
          </div>
        ) : (
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label="Base URL" htmlFor="gen-url" hint="the path before /chat/completions — vLLM http://host:8000/v1, Ollama http://host:11434/v1">
              <input id="gen-url" className={input} value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
            </Field>
            <Field label="Model" htmlFor="gen-model">
              <input id="gen-model" className={input} value={model} onChange={(e) => setModel(e.target.value)} placeholder="Qwen/Qwen2.5-VL-7B-Instruct" required />
            </Field>
            <Field label="API key variable" htmlFor="gen-key" hint="the NAME of an environment variable of the server process (e.g. OPENAI_API_KEY); the key itself is never entered, stored or shown">
              <input id="gen-key" className={input} value={apiKeyEnv} onChange={(e) => setApiKeyEnv(e.target.value)} placeholder="none" autoComplete="off" />
            </Field>
            <NumberField id="gen-temp" label="Temperature" value={temperature} onChange={setTemperature} min={0} max={2} step={0.1} optional />
          </div>
        )}
      </Section>

      <Section title="Method">
        <div className="grid gap-2 sm:grid-cols-2" role="radiogroup" aria-label="Method">
          {GENERATION_METHOD_NAMES.map((m) => (
            <label key={m} className={`cursor-pointer rounded border p-2 text-sm ${method === m ? "border-brand bg-indigo-50" : "border-slate-200 hover:bg-slate-50"}`}>
              <span className="flex items-center gap-2">
                <input type="radio" name="method" value={m} className="accent-brand" checked={method === m} onChange={() => setMethod(m)} />
                <span className="font-medium">{m}</span>
              </span>
              <span className="mt-0.5 block text-xs text-slate-500">{METHOD_INFO[m]}</span>
            </label>
          ))}
        </div>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" className="accent-brand" checked={compare} onChange={(e) => setCompare(e.target.checked)} />
          Compare methods (Table 1): one job each for direct, final-answer and step-level; then Run verifier on the dataset&apos;s metrics page
        </label>
        <div className="grid gap-3 sm:grid-cols-3">
          <NumberField id="gen-k" label="k (resamples)" value={k} onChange={setK} min={1} max={64} />
          <NumberField id="gen-samples" label="Samples per question" value={samples} onChange={setSamples} min={1} max={100} />
          <NumberField id="gen-concurrency" label="Concurrency" value={concurrency} onChange={setConcurrency} min={1} max={1024} />
          <NumberField id="gen-turns" label="Max turns" value={maxTurns} onChange={setMaxTurns} min={1} max={200} />
          <NumberField id="gen-tokens" label="Token budget per trace" value={tokenBudget} onChange={setTokenBudget} min={1} max={1_000_000_000} optional />
          <NumberField id="gen-budget" label="Resample budget per trace" value={budget} onChange={setBudget} min={0} max={10_000} optional hint="step-level; default 4 × k" />
        </div>
      </Section>

      {error ? (
        <div role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          <p className="font-medium">{error.message}</p>
          {details.length ? (
            <ul className="mt-1 list-disc pl-5 text-xs">
              {details.slice(0, 20).map((d, i) => (
                <li key={i}>{[d.file, d.line ? `line ${d.line}` : null, d.path].filter(Boolean).join(" · ")}: {d.error}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" disabled={start.isPending || noScenes || !dataset || (source === "file" ? !file : !fromDataset)}>
          {start.isPending ? "Checking the teacher…" : "Start generation"}
        </Button>
        <span className="text-xs text-slate-500">The teacher is checked first (URL, model, key); nothing is written when it fails.</span>
      </div>
    </form>
  );
}
