// The two prompts of the SpaRE pipeline (docs/design.md §12), in the paper's shape, and the readers
// of the classifier's answer. The offline responder (offline-chat.ts) recognises these prompts by
// their fixed openings, so keep them stable: a change here is a change of the wire contract.

export const CLASSIFIER_OPENING = "Determine if the description provided below contains a spatial relation:";
export const CLASSIFIER_CLOSING = "Answer with \"yes\" or \"no\" only.";

/** The paper's classifier question (kept verbatim), plus the instruction to answer yes or no. */
export function classifierPrompt(description: string): string {
  return `${CLASSIFIER_OPENING} ${description}\n\n${CLASSIFIER_CLOSING}`;
}

export const GENERATION_OPENING = "Generate a JSON list of question-answer pairs about the spatial relations in the description below.";
export const DESCRIPTION_MARKER = "Description:";

/** The generation instruction: spatial relations only, the paper's aspects, JSON list output. */
export function generationPrompt(description: string): string {
  return [
    GENERATION_OPENING,
    "Ask only about what the description states; ask about spatial relations only: positions and directions, relative distances and proximity, orientations and angles, foreground / middle ground / background, boundaries and edges, shadows and reflections, overlapping and layering, scale and size comparisons.",
    "Answer each question from the description. Do not refer to the description itself (no \"mentioned\", \"described\", \"caption\").",
    'Output a JSON list of objects [{"question": "...", "answer": "..."}, ...] and nothing else.',
    "",
    `${DESCRIPTION_MARKER} ${description}`,
  ].join("\n");
}

/** The description inside a classifier or generation prompt (the offline responder reads it). */
export function descriptionOf(prompt: string): { kind: "classifier" | "generation"; description: string } | null {
  if (prompt.startsWith(CLASSIFIER_OPENING)) {
    let body = prompt.slice(CLASSIFIER_OPENING.length);
    const close = body.lastIndexOf(CLASSIFIER_CLOSING);
    if (close >= 0) body = body.slice(0, close);
    return { kind: "classifier", description: body.trim() };
  }
  if (prompt.startsWith(GENERATION_OPENING)) {
    const at = prompt.indexOf(`\n${DESCRIPTION_MARKER}`);
    if (at < 0) return null;
    return { kind: "generation", description: prompt.slice(at + DESCRIPTION_MARKER.length + 1).trim() };
  }
  return null;
}

export type ClassifierVerdict = { spatial: boolean; readable: true } | { spatial: false; readable: false };

/**
 * A classifier answer → spatial or not. Models say "Yes.", "**No**", "Yes, it describes…", "The
 * description contains a spatial relation", "It does not contain any spatial relation", or think
 * first (`<think>…</think>`). Unreadable answers count as not spatial (precision first) and are
 * reported as such by the caller.
 */
export function readClassifierAnswer(raw: string): ClassifierVerdict {
  const text = raw
    .replace(/<think>[\s\S]*?<\/think>/gi, " ")
    .replace(/[*_`#>"']/g, " ")
    .toLowerCase()
    .trim();
  const first = /^\W*(yes|no|true|false)\b/.exec(text);
  if (first) return { spatial: first[1] === "yes" || first[1] === "true", readable: true };
  if (/\b(does not|doesn't|do not|no)\s+(contain|include|describe|have|mention)\b|\bno spatial\b|\bnot contain\b|\banswer(?: is)?:?\s*no\b/.test(text)) return { spatial: false, readable: true };
  if (/\b(contains|includes|describes|has)\b[^.]*\bspatial\b|\banswer(?: is)?:?\s*yes\b/.test(text)) return { spatial: true, readable: true };
  const final = /\b(yes|no)\W*$/.exec(text);
  if (final) return { spatial: final[1] === "yes", readable: true };
  return { spatial: false, readable: false };
}
