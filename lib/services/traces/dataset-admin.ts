import { db } from "@/lib/db";
import { run, writeProgram } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import type { DatasetContents } from "@/lib/schemas/datasets";

// Renaming and deleting datasets. A delete runs in batches of traces (each its own short write
// transaction, the event loop free between them) so a large dataset does not freeze the server;
// the foreign keys cascade to steps, revisions, verdicts, scores and reviews. Verifier runs and
// their calibration caches (which have no foreign keys) go after the traces, the dataset row last.
// If the process dies midway, deleting again finishes the job. Image files stay in the
// content-addressed store (another dataset may hold the same bytes).

const BATCH = 500;

async function datasetId(name: string): Promise<number> {
  const row = await db().dataset.findUnique({ where: { name }, select: { id: true } });
  if (!row) throw new AppError("not_found", `dataset "${name}" not found`);
  return row.id;
}

export async function datasetContents(name: string): Promise<DatasetContents> {
  const id = await datasetId(name);
  const prisma = db();
  const [traces, steps, questions, images, scenes, runs, reviews] = await Promise.all([
    prisma.trace.count({ where: { datasetId: id } }),
    prisma.trace.aggregate({ where: { datasetId: id }, _sum: { stepCount: true } }),
    prisma.question.count({ where: { datasetId: id } }),
    prisma.image.count({ where: { datasetId: id } }),
    prisma.scene.count({ where: { datasetId: id } }),
    prisma.verifierRun.count({ where: { datasetId: id } }),
    prisma.review.count({ where: { trace: { datasetId: id } } }),
  ]);
  return { name, traces, steps: steps._sum.stepCount ?? 0, questions, images, scenes, runs, reviews };
}

export async function renameDataset(name: string, to: string): Promise<{ name: string; previous: string }> {
  const id = await datasetId(name);
  if (to === name) return { name, previous: name };
  const taken = await db().dataset.findUnique({ where: { name: to }, select: { id: true } });
  if (taken) throw new AppError("conflict", `a dataset named "${to}" already exists`, [{ path: "name", error: "taken" }]);
  await db().dataset.update({ where: { id }, data: { name: to } });
  return { name: to, previous: name };
}

/** Sets the licence and/or attribution export cards show for the dataset (null clears). */
export async function setDatasetLicense(name: string, fields: { license?: string | null; attribution?: string | null }): Promise<{ name: string; license: string | null; attribution: string | null }> {
  const id = await datasetId(name);
  const row = await db().dataset.update({
    where: { id },
    data: { ...(fields.license !== undefined ? { license: fields.license } : {}), ...(fields.attribution !== undefined ? { attribution: fields.attribution } : {}) },
    select: { name: true, license: true, attribution: true },
  });
  return row;
}

/** PATCH: rename and/or set the licence fields. */
export async function updateDataset(name: string, body: { name?: string; license?: string; attribution?: string }): Promise<{ name: string; previous: string; license: string | null; attribution: string | null }> {
  let current = name;
  if (body.name !== undefined) current = (await renameDataset(name, body.name)).name;
  const licensed = await setDatasetLicense(current, { license: body.license, attribution: body.attribution });
  return { name: current, previous: name, license: licensed.license, attribution: licensed.attribution };
}

export async function deleteDataset(name: string, confirm: string, onProgress?: (done: number, total: number) => void): Promise<DatasetContents & { deleted: true }> {
  if (confirm !== name) {
    throw new AppError("invalid_input", `to delete dataset "${name}", confirm with its name`, [{ path: "confirm", error: `expected "${name}"` }]);
  }
  const contents = await datasetContents(name);
  const id = await datasetId(name);
  let done = 0;
  for (;;) {
    const removed = await writeProgram(function* () {
      return (yield* run(`DELETE FROM "Trace" WHERE "id" IN (SELECT "id" FROM "Trace" WHERE "datasetId" = ? LIMIT ${BATCH})`, id)).changes;
    });
    if (removed === 0) break;
    done += removed;
    onProgress?.(done, contents.traces);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await writeProgram(function* () {
    for (const table of ["CalibrationStep", "CalibrationProfile", "CalibrationRun", "CalibrationGroups"]) {
      yield* run(`DELETE FROM "${table}" WHERE "runId" IN (SELECT "id" FROM "VerifierRun" WHERE "datasetId" = ?)`, id);
    }
    yield* run(`DELETE FROM "Dataset" WHERE "id" = ?`, id);
    yield* run(`DELETE FROM "LabelClock" WHERE "datasetId" = ?`, id);
    yield* run(`DELETE FROM "LabelChange" WHERE "datasetId" = ?`, id);
  });
  return { ...contents, deleted: true };
}
