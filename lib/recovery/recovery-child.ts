import fs from "node:fs";
import path from "node:path";
import { exportsIdle, startExport } from "@/lib/services/export/export-jobs";
import { importUpload, receiveUpload } from "@/lib/services/import/import-upload";

// A child process for the kill-and-recover tests (lib/recovery/recovery.int.test.ts): runs one
// long job of a kind the CLI does not start itself — a browser upload, a background export — and
// is killed by a crash point (STEPWISE_CRASH_AT, lib/jobs/crash-point.ts) half-way. Verifier runs
// and CLI imports are killed through the real CLI instead.
//   upload DATASET FILE [IMAGE...]   receive a multipart upload of the files, then import it
//   export DATASET                   queue a kto export with referenced images and wait for it

async function main() {
  const [mode, dataset, ...rest] = process.argv.slice(2);
  if (mode === "upload") {
    const form = new FormData();
    form.set("dataset", dataset);
    for (const file of rest) form.append("files", new Blob([fs.readFileSync(file)]), path.basename(file));
    const request = new Request("http://127.0.0.1/api/imports", { method: "POST", body: form });
    const upload = await receiveUpload(request.headers, request.body);
    process.stdout.write(`received ${path.basename(upload.dir)}\n`);
    const summary = await importUpload(upload, "api");
    process.stdout.write(`imported ${summary.created.traces}\n`);
  } else if (mode === "export") {
    const { id } = await startExport({ datasets: [dataset], format: "kto", images: "reference", shardRows: 50 });
    process.stdout.write(`export ${id}\n`);
    await exportsIdle();
    process.stdout.write("idle\n");
  } else throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
