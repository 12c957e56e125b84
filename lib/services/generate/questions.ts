import { createHash } from "node:crypto";
import fs from "node:fs";
import { AppError, type ErrorDetail } from "@/lib/errors";
import { flattenClevrQuestion, parseClevrQuestion } from "@/lib/formats/clevr";
import { canonicalQuestion } from "@/lib/schemas/generation";
import { answerToText } from "@/lib/schemas/trace";

// Question sources of a generation job (docs/design.md §11): a CLEVR questions file (the official
// {"questions": [...]} document, or one question per line, multi-image too_clevr records
// flattened) or canonical question JSONL {"image", "question", "answer"?, "scene"?, "id"?,
// "program"?}. Every bad record is reported with file, line and field; nothing is written.

export interface SourceQuestion {
  line: number;
  externalId: string;
  image: string;
  scene: string | null;
  text: string;
  answer: string | null;
  program: unknown[] | null;
  source: "clevr" | "canonical";
}

const MAX_ERRORS = 50;

const jsonPath = (path: ReadonlyArray<PropertyKey>) => `$${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function readQuestionFile(file: string): SourceQuestion[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new AppError("invalid_input", `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, [{ file, error: "cannot read the file" }]);
  }
  return parseQuestionText(text, file);
}

/** Parses a question file's text (an upload); `file` names it in errors. */
export function parseQuestionText(text: string, file: string): SourceQuestion[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const errors: ErrorDetail[] = [];
  const out: SourceQuestion[] = [];
  const fail = (line: number, path: string, error: string) => {
    if (errors.length < MAX_ERRORS) errors.push({ file, line, path, error });
  };
  const clevr = (value: unknown, line: number, fallback: string, prefix: string) => {
    for (const { value: single } of flattenClevrQuestion(value)) {
      const parsed = parseClevrQuestion(single, fallback);
      if (!parsed.ok) {
        for (const e of parsed.errors) fail(line, prefix + e.path.replace(/^\$/, ""), e.error);
        continue;
      }
      const q = parsed.value;
      out.push({ line, externalId: q.externalId, image: q.image, scene: null, text: q.text, answer: q.answer, program: q.program ?? null, source: "clevr" });
    }
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") && /^\{\s*"(info|questions)"/.test(trimmed) && /"questions"\s*:/.test(text.slice(0, 4096))) {
    let document: { questions?: unknown };
    try {
      document = JSON.parse(text) as { questions?: unknown };
    } catch (error) {
      throw new AppError("invalid_input", `${file}: not JSON (${(error as Error).message})`, [{ file, line: 1, path: "$", error: "expected a CLEVR questions document" }]);
    }
    if (!Array.isArray(document.questions)) throw new AppError("invalid_input", `${file}: "questions" is not a list`, [{ file, line: 1, path: "$.questions", error: "expected an array" }]);
    const starts = [...text.matchAll(/\{\s*"(?:question|image_filename|image_index|split)/g)].map((m) => m.index ?? 0);
    document.questions.forEach((q, i) => clevr(q, starts[i] !== undefined ? lineOf(text, starts[i]) : 1, String(i), `$.questions[${i}]`));
  } else {
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
      const line = i + 1;
      if (!raw.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        fail(line, "$", `not JSON (${(error as Error).message})`);
        return;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        fail(line, "$", "expected a JSON object with image and question");
        return;
      }
      if ("image_filename" in value || "image_filenames" in value) {
        clevr(value, line, String(line), "$");
        return;
      }
      const parsed = canonicalQuestion.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const keys = issue.code === "unrecognized_keys" ? ` (${(issue as { keys?: string[] }).keys?.join(", ")}; expected image, question, answer, scene, id, program)` : "";
          fail(line, jsonPath(issue.path), `${issue.message}${keys}`);
        }
        return;
      }
      const q = parsed.data;
      const id = q.id ?? `${q.image.replace(/\.[a-z0-9]+$/i, "")}-${createHash("sha256").update(q.question).digest("hex").slice(0, 12)}`;
      out.push({ line, externalId: id, image: q.image, scene: q.scene ?? null, text: q.question, answer: answerToText(q.answer), program: q.program ?? null, source: "canonical" });
    });
  }
  if (errors.length) {
    throw new AppError("invalid_input", `${file}: ${errors.length}${errors.length === MAX_ERRORS ? "+" : ""} invalid question record(s); nothing written`, errors);
  }
  if (out.length === 0) {
    throw new AppError("invalid_input", `${file}: no questions found (expected a CLEVR questions file or JSON lines of {"image", "question", "answer"?, "scene"?})`, [{ file, error: "no question records" }]);
  }
  return out;
}
