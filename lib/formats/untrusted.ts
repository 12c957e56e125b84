import { checkFreeJson } from "@/lib/schemas/limits";
import type { NormalizedTrace } from "@/lib/formats/types";

// Checks every import format shares, on normalised records (docs/limits.md): free-form JSON bounded
// (a line nested 10,000 deep used to pass the check pass and fail the write pass with a 500) and
// image references limited to http(s) URLs or names of files.

/** Problems with a trace's free-form JSON (step args and results, program, teacher params), each with its path. */
export function traceJsonProblems(trace: NormalizedTrace): Array<{ path: string; error: string }> {
  const problems: Array<{ path: string; error: string }> = [];
  const check = (path: string, value: unknown) => {
    if (value === undefined || value === null) return;
    const problem = checkFreeJson(path, value);
    if (problem) problems.push({ path, error: problem });
  };
  trace.steps.forEach((step, index) => {
    check(`$.steps[${index}].args`, step.args);
    check(`$.steps[${index}].result`, step.result);
  });
  check("$.program", trace.program);
  check("$.teacher.params", trace.teacherParams);
  return problems;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Why an image reference is refused, or null when it is fine: a URL must be http(s) (no
 * `javascript:`, `file:`, `data:` here — inline images are read by their own path), and a
 * protocol-relative `//host/x` must say its scheme. File names (and Windows drive paths) pass.
 */
export function imageReferenceProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.startsWith("//")) return `image "${clip(name)}" is a protocol-relative URL; write it with http:// or https://`;
  const scheme = SCHEME.exec(trimmed)?.[1];
  if (!scheme || scheme.length === 1) return null; // a plain name, or C:\… on Windows
  if (!/^https?$/i.test(scheme)) return `image "${clip(name)}" uses the ${scheme.toLowerCase()}: scheme; only http(s) URLs or image file names are accepted`;
  try {
    const url = new URL(trimmed);
    if (!url.hostname) return `image "${clip(name)}" is not a valid http(s) URL (no host)`;
  } catch {
    return `image "${clip(name)}" is not a valid http(s) URL`;
  }
  return null;
}

/** True for an absolute http(s) URL (what may be redirected to or exported as image_url). */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}…` : text);
