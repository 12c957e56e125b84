"use client";

import type { ReactNode } from "react";
import { EXPORT_CLASSES, EXPORT_FORMATS, EXPORT_FORMAT_INFO, IMAGE_MODES, type ExportClass, type ExportOptionsDto, type ExportPreview } from "@/lib/schemas/exports";
import { formatHas, type FormState } from "@/components/exports/form-state";
import { formatsWith } from "@/lib/formats/export/registry";

// The export builder's fields. Pure presentation over FormState: the workspace owns the state,
// the preview query and the start mutation.

const input = "w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm focus:border-brand focus:outline-none focus:ring-1 focus:ring-brand";

function Field({ label, hint, children, htmlFor }: { label: string; hint?: ReactNode; children: ReactNode; htmlFor?: string }) {
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className="block text-xs font-medium text-slate-600">{label}</label>
      {children}
      {hint ? <p className="text-[11px] text-slate-400">{hint}</p> : null}
    </div>
  );
}

function Check({ label, checked, onChange, disabled, hint }: { label: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean; hint?: string }) {
  return (
    <label className={`flex items-start gap-2 text-sm ${disabled ? "text-slate-400" : "text-slate-700"}`} title={hint}>
      <input type="checkbox" className="mt-0.5 accent-brand" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
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

export interface ExportFormProps {
  form: FormState;
  options: ExportOptionsDto;
  preview: ExportPreview | undefined;
  onChange: (patch: Partial<FormState>) => void;
}

export function ExportForm({ form, options, preview, onChange }: ExportFormProps) {
  const selected = options.datasets.filter((d) => form.datasets.includes(d.name));
  const withoutRuns = selected.filter((d) => d.runs.length === 0).map((d) => d.name);
  const runHint = withoutRuns.length ? `needs a finished verifier run; none on ${withoutRuns.join(", ")}` : undefined;
  const has = (option: Parameters<typeof formatHas>[1]) => formatHas(form.format, option);
  const stepwise = has("truncateAfterFirstError");
  const classRows = (cls: ExportClass) => Object.values(preview?.counts.classes ?? {}).reduce((n, c) => n + (c?.[cls] ?? 0), 0);
  const toggleDataset = (name: string, on: boolean) => onChange({ datasets: on ? [...form.datasets, name].sort() : form.datasets.filter((d) => d !== name) });

  return (
    <div className="space-y-4">
      <Section title="Datasets">
        {options.datasets.length === 0 ? <p className="text-sm text-slate-500">No datasets yet: import traces first.</p> : null}
        <div className="space-y-1.5">
          {options.datasets.map((d) => (
            <label key={d.name} className="flex items-center justify-between gap-2 text-sm">
              <span className="flex items-center gap-2">
                <input type="checkbox" className="accent-brand" aria-label={`dataset ${d.name}`} checked={form.datasets.includes(d.name)} onChange={(e) => toggleDataset(d.name, e.target.checked)} />
                <span className="font-medium">{d.name}</span>
              </span>
              <span className="text-xs text-slate-500">
                {d.traces.toLocaleString("en-US")} traces · {d.runs.length ? `verifier v${d.runs[0].version}` : "not verified"}
              </span>
            </label>
          ))}
        </div>
      </Section>

      <Section title="Format">
        <div className="grid gap-2 sm:grid-cols-2" role="radiogroup" aria-label="Format">
          {EXPORT_FORMATS.map((f) => (
            <label key={f} className={`cursor-pointer rounded border p-2 text-sm ${form.format === f ? "border-brand bg-indigo-50" : "border-slate-200 hover:bg-slate-50"}`}>
              <span className="flex items-center gap-2">
                <input type="radio" name="format" value={f} className="accent-brand" checked={form.format === f} onChange={() => onChange({ format: f })} />
                <span className="font-medium">{EXPORT_FORMAT_INFO[f].label}</span>
              </span>
              <span className="mt-1 block text-[11px] leading-snug text-slate-500">{EXPORT_FORMAT_INFO[f].summary}</span>
            </label>
          ))}
        </div>
      </Section>

      <Section title="Labels and filters">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Label priority" htmlFor="labels" hint="Human labels are current reviews; imported ones show as external:<source>.">
            <select id="labels" className={input} value={form.labels} onChange={(e) => onChange({ labels: e.target.value as FormState["labels"] })}>
              <option value="human-first">Human, then verifier</option>
              <option value="human-only">Human only</option>
              <option value="verifier-only">Verifier only</option>
            </select>
          </Field>
          <Field label="Verifier version" htmlFor="verifier-version">
            <select id="verifier-version" className={input} value={form.verifierVersion} onChange={(e) => onChange({ verifierVersion: e.target.value })}>
              <option value="">Latest finished run</option>
              {options.verifierVersions.map((v) => (
                <option key={v.version} value={v.version}>v{v.version} · {v.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Minimum quality" htmlFor="min-quality" hint={runHint ?? "0–1, empty for none"}>
            <input id="min-quality" className={input} inputMode="decimal" placeholder="none" value={form.minQuality} onChange={(e) => onChange({ minQuality: e.target.value })} />
          </Field>
          <Field label="Wrong steps" htmlFor="rejected-steps">
            <select id="rejected-steps" className={input} value={form.rejectedSteps} onChange={(e) => onChange({ rejectedSteps: e.target.value as FormState["rejectedSteps"] })}>
              <option value="keep">Keep</option>
              <option value="drop">Drop (a call and its result together)</option>
              <option value="mask" disabled={!has("mask")}>Mask (weight 0; {formatsWith("mask").join(", ")})</option>
            </select>
          </Field>
          <Field label="Unchecked steps" htmlFor="unchecked-steps" hint="verified steps no rule could check and no one labelled (label source verifier:unchecked)">
            <select id="unchecked-steps" className={input} value={form.uncheckedSteps} onChange={(e) => onChange({ uncheckedSteps: e.target.value as FormState["uncheckedSteps"] })}>
              <option value="positive">Count as correct</option>
              <option value="negative">Count as wrong</option>
              <option value="drop">Drop (a call and its result together)</option>
              <option value="skip-trace">Leave the trace out</option>
            </select>
          </Field>
        </div>
        <div className="grid gap-2 sm:grid-cols-2">
          <Check label="Valid traces only" checked={form.validOnly} onChange={(v) => onChange({ validOnly: v })} hint={runHint} />
          <Check label="Human-accepted only" checked={form.humanAcceptedOnly} onChange={(v) => onChange({ humanAcceptedOnly: v })} />
          <Check label="Truncate after the first error" checked={form.truncateAfterFirstError && stepwise} disabled={!stepwise} onChange={(v) => onChange({ truncateAfterFirstError: v })} hint={formatsWith("truncateAfterFirstError").join(", ")} />
          <Check label="De-duplicate image + question" checked={form.dedupe} onChange={(v) => onChange({ dedupe: v })} />
        </div>
      </Section>

      <Section title="Splits (by image)">
        <div className="grid grid-cols-4 gap-2">
          {(["train", "validation", "test"] as const).map((s) => (
            <Field key={s} label={s} htmlFor={`split-${s}`}>
              <input id={`split-${s}`} className={input} inputMode="decimal" value={form[s]} onChange={(e) => onChange({ [s]: e.target.value })} />
            </Field>
          ))}
          <Field label="seed" htmlFor="seed">
            <input id="seed" className={input} inputMode="numeric" value={form.seed} onChange={(e) => onChange({ seed: e.target.value })} />
          </Field>
        </div>
      </Section>

      <Section title="Relation classes">
        <p className="text-[11px] text-slate-500">Cap rows per class, or weight the train split (2 = each row twice, 0.5 = half of them).</p>
        <table className="w-full text-sm">
          <thead className="text-left text-[11px] uppercase text-slate-500">
            <tr><th className="font-medium">class</th><th className="text-right font-medium">rows</th><th className="pl-3 font-medium">cap</th><th className="pl-3 font-medium">weight</th></tr>
          </thead>
          <tbody>
            {EXPORT_CLASSES.map((cls) => (
              <tr key={cls}>
                <td className="py-0.5 text-slate-700">{cls}</td>
                <td className="py-0.5 text-right tabular-nums text-slate-500">{preview ? classRows(cls).toLocaleString("en-US") : "—"}</td>
                <td className="py-0.5 pl-3"><input aria-label={`cap ${cls}`} className={input} inputMode="numeric" placeholder="—" value={form.caps[cls] ?? ""} onChange={(e) => onChange({ caps: { ...form.caps, [cls]: e.target.value } })} /></td>
                <td className="py-0.5 pl-3"><input aria-label={`weight ${cls}`} className={input} inputMode="decimal" placeholder="1" value={form.weights[cls] ?? ""} onChange={(e) => onChange({ weights: { ...form.weights, [cls]: e.target.value } })} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>

      <details className="rounded-lg border border-slate-200 bg-white p-4">
        <summary className="cursor-pointer text-xs font-semibold uppercase tracking-wide text-slate-500">More options</summary>
        <div className="mt-3 grid gap-3 sm:grid-cols-2">
          <Field label="Images" htmlFor="images" hint={`copy: files under images/; reference: names or URLs; embed: data URLs (${formatsWith("embed").join(", ")})`}>
            <select id="images" className={input} value={form.images} onChange={(e) => onChange({ images: e.target.value as FormState["images"] })}>
              {IMAGE_MODES.map((m) => (
                <option key={m} value={m} disabled={m === "embed" && !has("embed")}>{m}</option>
              ))}
            </select>
          </Field>
          <Field label="Rows per shard" htmlFor="shard-rows">
            <input id="shard-rows" className={input} inputMode="numeric" value={form.shardRows} onChange={(e) => onChange({ shardRows: e.target.value })} />
          </Field>
          <div className="sm:col-span-2">
            <Check label="Also write Parquet (nested columns; a second pass over the shards)" checked={form.parquet} onChange={(v) => onChange({ parquet: v })} />
          </div>
          {has("stepLabels") ? (
            <>
              <Field label="Neutral steps count as" htmlFor="neutral">
                <select id="neutral" className={input} value={form.neutral} onChange={(e) => onChange({ neutral: e.target.value as FormState["neutral"] })}>
                  <option value="positive">correct</option>
                  <option value="negative">wrong</option>
                </select>
              </Field>
              <Field label="Step labels" htmlFor="label-type">
                <select id="label-type" className={input} value={form.labelType} onChange={(e) => onChange({ labelType: e.target.value as FormState["labelType"] })}>
                  <option value="bool">booleans</option>
                  <option value="float">floats (neutral 0.5)</option>
                </select>
              </Field>
            </>
          ) : null}
          {has("turns") ? (
            <Field label="Turns" htmlFor="turns" hint="multi: all pairs of one image as one conversation, the image in the first user turn">
              <select id="turns" className={input} value={form.turns} onChange={(e) => onChange({ turns: e.target.value as FormState["turns"] })}>
                <option value="single">one row per question</option>
                <option value="multi">one conversation per image</option>
              </select>
            </Field>
          ) : null}
          {has("gamma") ? (
            <Field label="Discount γ" htmlFor="gamma">
              <input id="gamma" className={input} inputMode="decimal" value={form.gamma} onChange={(e) => onChange({ gamma: e.target.value })} />
            </Field>
          ) : null}
          <Field label="Title (dataset card)" htmlFor="export-name">
            <input id="export-name" className={input} placeholder="datasets · format" value={form.name} onChange={(e) => onChange({ name: e.target.value })} />
          </Field>
          <div className="sm:col-span-2">
            <Field label="System prompt" htmlFor="system-prompt">
              <textarea id="system-prompt" rows={2} className={input} value={form.systemPrompt} onChange={(e) => onChange({ systemPrompt: e.target.value })} />
            </Field>
          </div>
        </div>
      </details>
    </div>
  );
}
