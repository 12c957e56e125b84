import fs from "node:fs";
import path from "node:path";
import { readClevrScenes } from "@/lib/teacher/scripted";
import { buildCorpus, type CorpusText, type Split } from "@/lib/verifier/paraphrase/corpus";

// The paraphrase corpus as files (fixtures/paraphrase/<split>.jsonl): one labelled reasoning text
// per line, so it can be read, diffed and reused without running the generator.
// `npx tsx lib/verifier/paraphrase/fixtures.ts` rewrites them; corpus.test.ts checks they are current.

export const SIZES: Record<Split, number> = { dev: 420, heldout: 210, blind: 90 };
export const SCENES_FILE = "fixtures/clevr-v1/CLEVR_train_scenes_1000.json";

export function corpusLines(texts: CorpusText[]): string {
  return texts.map((t) => JSON.stringify({ id: t.id, split: t.split, style: t.style, families: t.families, image: t.scene.name, text: t.text, claims: t.claims, conclusion: t.conclusion })).join("\n") + "\n";
}

export function buildSplit(root: string, split: Split): CorpusText[] {
  return buildCorpus(readClevrScenes(path.join(root, SCENES_FILE)), split, SIZES[split]);
}

if (process.argv[1]?.endsWith("fixtures.ts")) {
  const root = path.resolve(import.meta.dirname, "../../..");
  fs.mkdirSync(path.join(root, "fixtures/paraphrase"), { recursive: true });
  for (const split of Object.keys(SIZES) as Split[]) fs.writeFileSync(path.join(root, `fixtures/paraphrase/${split}.jsonl`), corpusLines(buildSplit(root, split)));
}
