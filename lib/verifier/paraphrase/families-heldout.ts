import { pick } from "@/lib/teacher/scripted/rng";
import type { LabelClaim } from "@/lib/verifier/paraphrase/facts";
import { REL, cap, type FamilySet, type Words } from "@/lib/verifier/paraphrase/words";

// The HELD-OUT phrasing families of the paraphrase corpus: written together with the development
// families, before the claims reader was rebuilt, and never used while developing it — the
// held-out figures in docs/claims-grammar.md measure text the reader was not written against.

type Claim<K extends LabelClaim["kind"]> = Extract<LabelClaim, { kind: K }>;
const c = <K extends LabelClaim["kind"]>(claim: LabelClaim, _kind: K) => claim as Claim<K>;
const rel = (w: Words, relation: keyof typeof REL) => pick(w.rng, REL[relation]);

export const HELDOUT: FamilySet = {
  refStyles: [(id) => `obj_${id}`, (id) => `Object ${id}`, (id) => `#${id}`],
  families: [
    { id: "attr-is-in", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return x.attribute === "shape" ? null : `${w.ref(x.id)} is ${w.value(x.value)} in ${x.attribute}`; } },
    { id: "attr-has", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `${w.ref(x.id)} has ${x.attribute} ${w.value(x.value)}`; } },
    { id: "attr-looking", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `Looking at ${w.ref(x.id)}, its ${x.attribute} is ${w.value(x.value)}`; } },
    { id: "members-seems", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} seems to be ${w.predicate(x.desc.attrs)}`; } },
    { id: "members-we-see", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `We can see that ${w.ref(x.ids[0])} is ${w.predicate(x.desc.attrs)}`; } },
    { id: "neg-not-a", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is clearly not ${w.predicate(x.desc.attrs)}`; } },
    { id: "neg-aint", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} doesn't look ${w.predicate(x.desc.attrs)}`; } },
    { id: "rel-positioned", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is positioned ${rel(w, x.desc.rel!.relation)} ${w.anchor(f, x.desc.rel!.object, true)}`; } },
    { id: "rel-lies", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} lies ${rel(w, x.desc.rel!.relation)} ${w.ref(x.desc.rel!.object)}`; } },
    { id: "rel-appears", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} appears to be ${rel(w, x.desc.rel!.relation)} ${w.anchor(f, x.desc.rel!.object, w.rng() < 0.5)}`; } },
    { id: "count-i-see", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `I see ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-we-have", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `So we have ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-total", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `There ${x.n === 1 ? "is" : "are"} ${w.num(x.n)} ${countDesc(f, w, x)} in total`; } },
    { id: "count-exactly", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `There ${x.n === 1 ? "is" : "are"} exactly ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "same-are-the-same", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} are the same ${x.attribute}` : `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} are different in ${x.attribute}`; } },
    { id: "same-both", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `Both ${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} have the same ${x.attribute}` : `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} don't have the same ${x.attribute}`; } },
    { id: "enum-the-only", kind: "enumeration", render: (f, w) => { const x = c(f.claim, "enumeration"); return `The only ${w.desc(x.desc.attrs, false)} is ${w.ref(x.ids[0])}`; } },
  ],
  styles: [
    { id: "terse", wrap: (s) => s.map((x) => `${cap(x)};`).join(" ") },
    { id: "verbose-cot", wrap: (s, w) => ["Okay, let's carefully analyze the scene.", ...s.map((x) => `${pick(w.rng, ["Looking closely", "Also", "Moreover"])}, ${x}.`)].join(" ") },
    { id: "hedged", wrap: (s, w) => s.map((x) => `${pick(w.rng, ["It appears that", "From what I can tell,", "As far as I can see,"])} ${x}.`).join(" ") },
    { id: "list", wrap: (s) => s.map((x, i) => `${i + 1}. ${cap(x)}.`).join("\n") },
    { id: "gpt", wrap: (s) => ["To answer this, I'll examine the relevant objects.", ...s.map((x) => `${cap(x)}.`)].join("\n\n") },
    { id: "qwen", wrap: (s) => ["<think>", ...s.map((x) => `${cap(x)}.`), "</think>"].join("\n") },
  ],
  traps: [
    (w, ids) => `We should check whether ${w.ref(ids[0])} is metal.`,
    (w, ids) => `Does ${w.ref(ids[0])} have the same color as ${w.ref(ids[1] ?? ids[0])}?`,
    (w, ids) => `${cap(w.ref(ids[0]))} might be a cube, but I'm not sure.`,
    () => "Next, I will filter the large objects.",
  ],
  conclusions: [
    { id: "hence", render: (a) => `Hence, the final answer is ${a}.` },
    { id: "bold", render: (a) => `**Final Answer:** ${a}` },
    { id: "thus", render: (a) => `Thus the answer should be ${a}.` },
  ],
};

function countDesc(f: { anchorDesc?: unknown }, w: Words, x: Claim<"count">): string {
  const desc = w.desc(x.desc.attrs, x.n !== 1, "object");
  if (!x.desc.rel) return desc;
  return `${desc} ${rel(w, x.desc.rel.relation)} ${w.anchor(f as never, x.desc.rel.object, w.rng() < 0.5)}`;
}
