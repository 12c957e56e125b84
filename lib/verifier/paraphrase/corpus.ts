import { pick, pickIndex, createRng } from "@/lib/teacher/scripted/rng";
import type { Scene } from "@/lib/tools/scene";
import { parseReasoning, type Claim, type Desc } from "@/lib/verifier/claims";
import { DEFAULT_SETTINGS } from "@/lib/verifier/config";
import { normalizeAnswer } from "@/lib/verifier/normalize";
import { DEV } from "@/lib/verifier/paraphrase/families-dev";
import { BLIND } from "@/lib/verifier/paraphrase/families-blind";
import { HELDOUT } from "@/lib/verifier/paraphrase/families-heldout";
import { FACT_KINDS, makeFact, type Fact, type LabelClaim, type LabelDesc } from "@/lib/verifier/paraphrase/facts";
import { Words, type FamilySet } from "@/lib/verifier/paraphrase/words";
import { verifyTrace } from "@/lib/verifier/verify";

// The paraphrase corpus (docs/claims-grammar.md, "Measuring the reader"): reasoning texts over real
// CLEVR scenes in six teacher styles, each labelled with the claims it states and whether each is
// true; half the texts state one false claim. Two splits by phrasing family: `dev` (families the
// reader was developed against) and `heldout` (families it never saw).

export type Split = "dev" | "heldout" | "blind";

export interface CorpusText {
  id: string;
  split: Split;
  style: string;
  families: string[];
  scene: Scene;
  text: string;
  claims: Array<LabelClaim & { truth: boolean }>;
  /** The answer the text concludes, normalised; null when it states none. */
  conclusion: string | null;
}

const SETS: Record<Split, FamilySet> = { dev: DEV, heldout: HELDOUT, blind: BLIND };

/** Lower-cases the first letter of a sentence embedded after a style's lead-in ("I" and references stay). */
const embed = (s: string) => (/^(I |I'm|obj_|Object \d|#)/.test(s) ? s.replace(/^Object /, "object ") : s.charAt(0).toLowerCase() + s.slice(1));

export function buildCorpus(scenes: Scene[], split: Split, count: number, seed = split === "dev" ? 101 : split === "heldout" ? 202 : 303): CorpusText[] {
  const set = SETS[split];
  const rng = createRng(seed);
  const texts: CorpusText[] = [];
  for (let i = 0; texts.length < count && i < count * 10; i++) {
    const scene = scenes[i % scenes.length];
    if (scene.objects.length < 3) continue;
    const style = set.styles[texts.length % set.styles.length];
    const w = new Words(rng, pick(rng, set.refStyles));
    const falseText = texts.length % 2 === 1;
    const n = 1 + pickIndex(rng, 3);
    const falseAt = falseText ? pickIndex(rng, n) : -1;
    const sentences: string[] = [];
    const claims: CorpusText["claims"] = [];
    const families: string[] = [];
    let last: Fact | null = null;
    for (let k = 0; k < n; k++) {
      for (let attempt = 0; attempt < 30; attempt++) {
        const kind = pick(rng, FACT_KINDS);
        const fact = makeFact(kind, scene, k !== falseAt, rng);
        if (!fact) continue;
        const options = set.families.filter((f) => f.kind === kind);
        const family = pick(rng, options);
        const sentence = family.render(fact, w);
        if (!sentence) continue;
        sentences.push(sentence);
        claims.push({ ...fact.claim, truth: fact.truth });
        families.push(family.id);
        last = fact;
        break;
      }
    }
    if (claims.length !== n) continue;
    if (rng() < 0.3) sentences.splice(pickIndex(rng, sentences.length + 1), 0, "\u0000" + pick(rng, set.traps)(w, scene.objects.slice(0, 2).map((o) => o.index)));
    let conclusion: string | null = null;
    let conclusionText: string | null = null;
    if (last && rng() < 0.5) {
      const answer = answerOf(last.claim, w);
      if (answer) {
        conclusion = normalizeAnswer(answer.normal);
        const family = pick(rng, set.conclusions);
        conclusionText = family.render(answer.said, w);
        families.push(family.id);
      }
    }
    // traps are whole sentences of their own; claims go through the style
    const parts = sentences.filter((s) => !s.startsWith("\u0000")).map(embed);
    let text = style.wrap(parts, w);
    const trap = sentences.find((s) => s.startsWith("\u0000"));
    if (trap) text = rng() < 0.5 ? `${trap.slice(1)} ${text}` : `${text}\n${trap.slice(1)}`;
    if (conclusionText) text = `${text}\n${conclusionText}`;
    texts.push({ id: `${split}-${String(texts.length).padStart(4, "0")}`, split, style: style.id, families, scene, text, claims, conclusion });
  }
  return texts;
}

function answerOf(claim: LabelClaim, w: Words): { said: string; normal: string } | null {
  switch (claim.kind) {
    case "count":
      return { said: w.num(claim.n), normal: String(claim.n) };
    case "attribute":
      return { said: w.value(claim.value), normal: claim.value };
    case "same":
      return { said: claim.same ? "yes" : "no", normal: claim.same ? "yes" : "no" };
    case "members":
      return { said: claim.negated ? "no" : "yes", normal: claim.negated ? "no" : "yes" };
    case "enumeration":
      return null;
  }
}

// ---- scoring ----------------------------------------------------------------------------------

/** A claim as comparable atoms: attribute facts split per object and attribute; anchors resolved. */
export function claimAtoms(claim: Claim | LabelClaim, scene: Scene): string[] {
  switch (claim.kind) {
    case "attribute":
      return [`has:${claim.id}:${claim.attribute}=${claim.value}`];
    case "members": {
      const desc = claim.desc as Desc | LabelDesc;
      const full = desc as Desc;
      if (full.same || full.except || full.or) return [`members:${JSON.stringify(claim)}`];
      const attrs = Object.entries(desc.attrs).filter(([, v]) => v !== undefined).sort();
      const rel = desc.rel ? `${desc.rel.relation}:${anchorOf(desc.rel, scene)}` : "";
      if (claim.negated) return claim.ids.map((id) => `not:${id}:${attrs.map(([a, v]) => `${a}=${v}`).join(",")}:${rel}`);
      const atoms: string[] = [];
      for (const id of claim.ids) {
        for (const [a, v] of attrs) atoms.push(`has:${id}:${a}=${v}`);
        if (rel) atoms.push(`rel:${id}:${rel}`);
      }
      return atoms;
    }
    case "count":
      return [`count:${claim.n}:${descKey(claim.desc, scene)}`];
    case "same": {
      const ids = [...claim.ids, ...("reference" in claim && claim.reference !== null ? [claim.reference] : [])];
      return [`same:${[...new Set(ids)].sort((a, b) => a - b).join(",")}:${claim.attribute}:${claim.same}`];
    }
    case "enumeration":
      return [`enum:${[...claim.ids].sort((a, b) => a - b).join(",")}:${descKey(claim.desc, scene)}`];
    case "definite": {
      // "the cyan cylinder is …": as a members claim about the one object the subject names
      const ids = matchIds(claim.subject, scene);
      if (ids.length !== 1) return [`definite:${JSON.stringify(claim)}`];
      return claimAtoms({ kind: "members", ids, desc: claim.desc, negated: claim.negated, text: claim.text }, scene);
    }
    default:
      return [`${claim.kind}:${JSON.stringify(claim)}`];
  }
}

function anchorOf(rel: { object: number; anchor?: Desc }, scene: Scene): string {
  if (rel.anchor) {
    const ids = matchIds(rel.anchor, scene);
    return ids.length === 1 ? String(ids[0]) : "?";
  }
  return String(rel.object);
}

function matchIds(desc: Desc, scene: Scene): number[] {
  return scene.objects.filter((o) => Object.entries(desc.attrs).every(([a, v]) => v === undefined || o[a as keyof typeof o] === v)).map((o) => o.index);
}

function descKey(desc: Desc | LabelDesc | null, scene: Scene): string {
  if (!desc) return "?";
  const full = desc as Desc;
  if (full.same || full.except || full.or) return JSON.stringify(desc);
  const attrs = Object.entries(desc.attrs).filter(([, v]) => v !== undefined).sort().map(([a, v]) => `${a}=${v}`).join(",");
  return desc.rel ? `${attrs}|${desc.rel.relation}:${anchorOf(desc.rel, scene)}` : attrs;
}

const FUNCTION_WORDS = new Set(["the", "a", "an", "is", "are", "that", "this", "there", "it", "of", "to", "and", "or", "so", "be", "in", "on", "at", "as", "we", "i", "which", "what"]);

export interface CorpusFigures {
  texts: number;
  labelled: number;
  read: number;
  matched: number;
  precision: number;
  recall: number;
  /** Share of texts on which reasoning.claims passed or failed (not skip). */
  checked: number;
  /** Step outcome = fail vs "states a false claim". */
  stepPrecision: number;
  stepRecall: number;
  /** Failing steps among texts whose claims are all true. */
  cleanFailing: number;
  conclusions: { stated: number; right: number; wrong: number; skipped: number; functionWords: number };
  perStyle: Record<string, { texts: number; precision: number; recall: number; checked: number }>;
  misses: string[];
}

export function scoreCorpus(texts: CorpusText[]): CorpusFigures {
  let labelled = 0;
  let read = 0;
  let matched = 0;
  let checked = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let cleanFailing = 0;
  const conclusions = { stated: 0, right: 0, wrong: 0, skipped: 0, functionWords: 0 };
  const styles = new Map<string, { texts: number; labelled: number; read: number; matched: number; checked: number }>();
  const misses: string[] = [];
  for (const t of texts) {
    const parsed = parseReasoning(t.text);
    const want = new Set(t.claims.flatMap((x) => claimAtoms(x, t.scene)));
    const got = new Set(parsed.claims.flatMap((x) => claimAtoms(x, t.scene)));
    let hit = 0;
    for (const atom of got) if (want.has(atom)) hit++;
    labelled += want.size;
    read += got.size;
    matched += hit;
    if (hit < want.size || hit < got.size) misses.push(`${t.id} [${t.families.join(" ")}] ${JSON.stringify(t.text)}\n    want ${[...want].join(" ")}\n    got  ${[...got].join(" ")}`);
    const result = verifyTrace({ steps: [{ kind: "reasoning", text: t.text }], scene: t.scene }, DEFAULT_SETTINGS);
    const claimVerdict = result.verdicts.find((v) => v.rule === "reasoning.claims");
    const isChecked = claimVerdict !== undefined && claimVerdict.outcome !== "skip";
    if (isChecked) checked++;
    const wrong = t.claims.some((x) => !x.truth);
    const failed = result.outcomes[0] === "fail";
    if (failed && wrong) tp++;
    else if (failed) fp++;
    else if (wrong) fn++;
    if (!wrong) cleanFailing += result.failingSteps;
    if (t.conclusion !== null) {
      conclusions.stated++;
      const said = parsed.conclusion === null ? null : normalizeAnswer(parsed.conclusion);
      if (said === null) conclusions.skipped++;
      else if (said === t.conclusion) conclusions.right++;
      else conclusions.wrong++;
    }
    if (parsed.conclusion !== null && FUNCTION_WORDS.has(parsed.conclusion.trim().toLowerCase())) conclusions.functionWords++;
    const row = styles.get(t.style) ?? { texts: 0, labelled: 0, read: 0, matched: 0, checked: 0 };
    row.texts++;
    row.labelled += want.size;
    row.read += got.size;
    row.matched += hit;
    if (isChecked) row.checked++;
    styles.set(t.style, row);
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    texts: texts.length,
    labelled,
    read,
    matched,
    precision: ratio(matched, read),
    recall: ratio(matched, labelled),
    checked: ratio(checked, texts.length),
    stepPrecision: ratio(tp, tp + fp),
    stepRecall: ratio(tp, tp + fn),
    cleanFailing,
    conclusions,
    perStyle: Object.fromEntries([...styles].map(([style, r]) => [style, { texts: r.texts, precision: ratio(r.matched, r.read), recall: ratio(r.matched, r.labelled), checked: ratio(r.checked, r.texts) }])),
    misses,
  };
}
