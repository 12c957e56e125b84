import fs from "node:fs";
import path from "node:path";
import { AppError, type ErrorDetail } from "@/lib/errors";
import { importRecords, type SourcedRecord } from "@/lib/services/import/imports";
import { evalQuestion, readVsr, readWhatsUp, type EvalItem, type EvalSet } from "@/lib/spare/eval-sets";

// Evaluation-set imports (docs/design.md §12): What's Up and VSR items become traces of a dataset
// (a question, its answer as one answer step, the relation label), so a synthetic SpaRE set can be
// held against them — the same relation classes, the same exports, side by side in the metrics.

export interface EvalImportResult {
  dataset: string;
  set: EvalSet;
  items: number;
  traces: number;
  /** VSR: true / false statements; What's Up: every item is its right caption. */
  labels: { true: number; false: number };
  classes: Record<string, number>;
  metaCategories: Record<string, number>;
}

export async function importEvalSet(options: { set: EvalSet; files: Array<{ file: string; buffer: Buffer }>; dataset: string; imagesDir?: string | null }): Promise<EvalImportResult> {
  if (options.files.length === 0) throw new AppError("invalid_input", "no evaluation files given (--file FILE...)");
  if (!options.dataset.trim()) throw new AppError("invalid_input", "--dataset NAME is required");
  const read = options.set === "vsr" ? readVsr : readWhatsUp;
  const errors: ErrorDetail[] = [];
  const items: EvalItem[] = [];
  for (const f of options.files) {
    const result = read(f.file, f.buffer);
    errors.push(...result.errors);
    items.push(...result.items);
  }
  if (errors.length) {
    const shown = errors.slice(0, 3).map((e) => `${e.file}:${e.line} ${e.path}: ${e.error}`).join("; ");
    throw new AppError("invalid_input", `${errors.length} error(s) in the ${options.set} file(s); nothing written: ${shown}${errors.length > 3 ? " …" : ""}`, errors);
  }
  const records: SourcedRecord[] = items.map((item, i) => {
    const { question, answer } = evalQuestion(item);
    return {
      type: "trace",
      line: item.line,
      file: path.basename(item.file),
      value: {
        externalId: `${item.set}-${i + 1}-${path.basename(item.image)}`,
        image: item.image,
        question,
        answer,
        finalAnswer: answer,
        method: `eval:${item.set}`,
        format: item.set,
        raw: JSON.stringify({ set: item.set, image: item.image, caption: item.caption, options: item.options, label: item.label, relation: item.relation, meta_category: item.metaCategory }),
        steps: [{ kind: "answer", text: answer }],
        ...(item.relation !== "none" ? { relations: [item.relation.replace(/_/g, " ")] } : {}),
      },
    };
  });
  const dirs = [options.imagesDir, ...options.files.map((f) => (fs.existsSync(/*turbopackIgnore: true*/ f.file) ? path.dirname(f.file) : null))].filter((d): d is string => Boolean(d));
  const summary = await importRecords({ dataset: options.dataset.trim(), records, imagesDirs: [...new Set(dirs)] });
  const count = (key: (item: EvalItem) => string) => items.reduce<Record<string, number>>((acc, item) => ((acc[key(item)] = (acc[key(item)] ?? 0) + 1), acc), {});
  return {
    dataset: summary.dataset,
    set: options.set,
    items: items.length,
    traces: summary.created.traces,
    labels: { true: items.filter((i) => i.label).length, false: items.filter((i) => !i.label).length },
    classes: count((i) => i.relationClass),
    metaCategories: options.set === "vsr" ? count((i) => i.metaCategory) : {},
  };
}
