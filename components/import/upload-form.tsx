"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { ImportProgress, type Phase, type ProgressState } from "@/components/import/import-progress";
import { countRecords, ImportResult, LineErrors } from "@/components/import/import-result";
import { datasetKeys } from "@/lib/queries/datasets";
import { importKeys, uploadImport } from "@/lib/queries/imports";
import { IMAGE_FILE, type FormatOption, type ImportEvent, type ImportSummaryDto, type SkippedLineDto } from "@/lib/schemas/imports";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 0)} MB`;

type Outcome = { kind: "result"; summary: ImportSummaryDto } | { kind: "error"; message: string; details: SkippedLineDto[] } | null;

export function UploadForm({ formats, datasets }: { formats: FormatOption[]; datasets: string[] }) {
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [dataset, setDataset] = useState("");
  const [format, setFormat] = useState("auto");
  const [dryRun, setDryRun] = useState(false);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [verify, setVerify] = useState(true);
  const [detector, setDetector] = useState("");
  const [imagesUrl, setImagesUrl] = useState("");
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<ProgressState>({ phase: "idle", fraction: 0, detail: "" });
  const [phasesSeen, setPhasesSeen] = useState<Phase[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [abort, setAbort] = useState<(() => void) | null>(null);
  const busy = abort !== null;

  const enter = (phase: Phase, fraction: number, detail: string) => {
    setProgress({ phase, fraction, detail });
    setPhasesSeen((seen) => (seen.at(-1) === phase ? seen : [...seen, phase]));
  };

  const addFiles = (list: FileList | null) => {
    if (!list) return;
    const added = [...list];
    setFiles((current) => [...current.filter((f) => !added.some((a) => a.name === f.name)), ...added]);
    setOutcome(null);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    addFiles(event.dataTransfer.files);
  };

  const onEvent = (event: ImportEvent) => {
    if (event.type === "received") enter("validate", 0, `Received ${event.files.length} data ${event.files.length === 1 ? "file" : "files"}${event.images ? ` and ${event.images} images` : ""}`);
    else if (event.type === "progress" && event.phase === "validate") {
      enter("validate", event.totalBytes ? event.bytes / event.totalBytes : 1, `${event.file}: ${mb(event.bytes)} of ${mb(event.totalBytes)} checked, ${event.records.toLocaleString("en-US")} records`);
    } else if (event.type === "progress" && event.phase === "verify") {
      enter("verify", event.totalBytes ? event.bytes / event.totalBytes : 0, `Verified ${event.bytes.toLocaleString("en-US")} of ${event.totalBytes.toLocaleString("en-US")} traces of the dataset`);
    } else if (event.type === "progress") {
      enter("write", event.totalBytes ? event.bytes / event.totalBytes : 0, event.totalBytes > 1 ? `Committed ${event.bytes.toLocaleString("en-US")} of ${event.totalBytes.toLocaleString("en-US")} records (all or nothing)` : "Writing");
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!files.length || !dataset.trim() || busy) return;
    const form = new FormData();
    form.set("dataset", dataset.trim());
    form.set("format", format);
    form.set("dryRun", String(dryRun));
    form.set("skipInvalid", String(skipInvalid));
    form.set("verify", String(verify));
    if (detector.trim()) form.set("detector", detector.trim());
    if (imagesUrl.trim()) form.set("imagesUrl", imagesUrl.trim());
    for (const file of files) form.append("files", file, file.name);
    setOutcome(null);
    setPhasesSeen([]);
    enter("upload", 0, `Sending ${mb(files.reduce((s, f) => s + f.size, 0))}`);
    const request = uploadImport(form, {
      onUpload: (loaded, total) => {
        if (loaded < total) enter("upload", loaded / total, `Sent ${mb(loaded)} of ${mb(total)}`);
        else enter("upload", 1, "Upload complete, waiting for the server");
      },
      onEvent,
    });
    setAbort(() => request.abort);
    try {
      const last = await request.done;
      if (last.type === "result") {
        enter("done", 1, last.summary.dryRun ? "Validated; nothing was written" : "Committed");
        setOutcome({ kind: "result", summary: last.summary });
        if (!last.summary.dryRun) await queryClient.invalidateQueries({ queryKey: datasetKeys.all });
      } else if (last.type === "error") {
        enter("failed", 1, "Nothing was written");
        setOutcome({ kind: "error", message: last.error.message, details: last.error.details });
      }
    } catch (error) {
      enter("failed", 1, (error as Error).message);
      setOutcome({ kind: "error", message: (error as Error).message, details: [] });
    } finally {
      setAbort(null);
      await queryClient.invalidateQueries({ queryKey: importKeys.all });
    }
  };

  const dataFiles = files.filter((f) => !IMAGE_FILE.test(f.name));
  const imageFiles = files.length - dataFiles.length;

  return (
    <div className="space-y-5">
      <form onSubmit={submit} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-label="Import files">
        <div
          data-testid="drop-zone"
          data-dragging={dragging}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={`flex flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed px-6 py-8 text-center text-sm ${dragging ? "border-brand bg-indigo-50" : "border-slate-300 bg-slate-50"}`}
        >
          <p className="font-medium text-slate-700">Drop trace, scene, question, detection or step-label files here, with their images</p>
          <p className="text-slate-500">JSONL, JSON or ReAct text; PNG / JPEG / GIF / WebP images are matched to the records by file name.</p>
          <button type="button" onClick={() => input.current?.click()} className="rounded border border-slate-300 bg-white px-3 py-1.5 font-medium hover:bg-slate-100">
            Choose files…
          </button>
          <input ref={input} type="file" multiple className="sr-only" aria-label="Files to import" onChange={(e) => addFiles(e.target.files)} data-testid="file-input" />
        </div>
        {files.length ? (
          <ul className="space-y-1 text-sm" aria-label="Selected files">
            {dataFiles.map((f) => (
              <li key={f.name} className="flex items-center justify-between rounded bg-slate-50 px-3 py-1">
                <span className="font-mono text-xs">{f.name}</span>
                <span className="flex items-center gap-3 text-xs text-slate-500">
                  {mb(f.size)}
                  <button type="button" className="text-slate-400 hover:text-red-600" aria-label={`Remove ${f.name}`} onClick={() => setFiles((c) => c.filter((x) => x !== f))} disabled={busy}>
                    ✕
                  </button>
                </span>
              </li>
            ))}
            {imageFiles ? <li className="px-3 text-xs text-slate-500">and {imageFiles} {imageFiles === 1 ? "image" : "images"}</li> : null}
          </ul>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <label className="space-y-1 text-sm">
            <span className="font-medium">Dataset</span>
            <input required value={dataset} onChange={(e) => setDataset(e.target.value)} list="import-datasets" placeholder="e.g. clevr-val · gpt-4o run 3" className="w-full rounded border border-slate-300 px-2 py-1.5" name="dataset" />
            <datalist id="import-datasets">{datasets.map((d) => <option key={d} value={d} />)}</datalist>
            <span className="block text-xs text-slate-500">An existing dataset gets the new records; re-imported records count as duplicates.</span>
          </label>
          <label className="space-y-1 text-sm">
            <span className="font-medium">Format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value)} className="w-full rounded border border-slate-300 px-2 py-1.5" name="format">
              <option value="auto">Detect from each file</option>
              {formats.map((f) => (
                <option key={f.name} value={f.name} title={f.summary}>{f.name}</option>
              ))}
            </select>
            <span className="block text-xs text-slate-500">{formats.find((f) => f.name === format)?.summary ?? "Each file’s format is recognised from its first bytes."}</span>
          </label>
        </div>
        <div className="flex flex-wrap gap-6 text-sm">
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} name="dryRun" />
            Dry run <span className="text-slate-500">(validate and count, write nothing)</span>
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} name="skipInvalid" />
            Skip invalid records <span className="text-slate-500">(otherwise one bad line aborts everything)</span>
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.target.checked)} name="verify" />
            Verify after import <span className="text-slate-500">(with the newest verifier config)</span>
          </label>
        </div>
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-600">More options</summary>
          <div className="mt-3 grid gap-4 sm:grid-cols-2">
            <label className="space-y-1">
              <span className="font-medium">Detector name</span>
              <input value={detector} onChange={(e) => setDetector(e.target.value)} placeholder="e.g. owlv2 → source detector:owlv2" className="w-full rounded border border-slate-300 px-2 py-1.5" />
            </label>
            <label className="space-y-1">
              <span className="font-medium">Images URL prefix</span>
              <input value={imagesUrl} onChange={(e) => setImagesUrl(e.target.value)} placeholder="https://…/images/ (kept as URLs)" className="w-full rounded border border-slate-300 px-2 py-1.5" />
            </label>
          </div>
        </details>
        <div className="flex items-center gap-3">
          <button type="submit" disabled={!dataFiles.length || !dataset.trim() || busy} className="rounded bg-brand px-4 py-2 text-sm font-medium text-white disabled:cursor-not-allowed disabled:opacity-50">
            {dryRun ? "Validate" : "Import"}
          </button>
          {busy ? (
            <button type="button" onClick={() => abort?.()} className="rounded border border-slate-300 px-3 py-2 text-sm">
              Cancel
            </button>
          ) : null}
        </div>
        {progress.phase !== "idle" ? <ImportProgress state={progress} phasesSeen={phasesSeen} /> : null}
      </form>
      {outcome?.kind === "result" ? <ImportResult summary={outcome.summary} /> : null}
      {outcome?.kind === "error" ? (
        <section aria-label="Import failed" data-testid="import-error" className="space-y-3 rounded-lg border border-red-200 bg-white p-4">
          <h2 className="text-lg font-semibold text-red-800">Nothing was imported</h2>
          <p className="text-sm text-slate-700">{outcome.message}</p>
          <LineErrors rows={outcome.details} caption={problemsCaption(outcome.details)} />
        </section>
      ) : null}
    </div>
  );
}

function problemsCaption(details: SkippedLineDto[]): string {
  const records = countRecords(details);
  const problems = `${details.length} ${details.length === 1 ? "problem" : "problems"}`;
  return `${problems}${records !== details.length ? ` in ${records} ${records === 1 ? "record" : "records"}` : ""}: fix them, or tick “Skip invalid records” to import the rest`;
}
