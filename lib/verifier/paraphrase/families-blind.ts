import { pick } from "@/lib/teacher/scripted/rng";
import type { LabelClaim } from "@/lib/verifier/paraphrase/facts";
import { REL, cap, type FamilySet, type Words } from "@/lib/verifier/paraphrase/words";

// The BLIND phrasing families: written after the claims reader was finished (docs/claims-grammar.md
// reports the figure measured on their first run, before any change made because of them).

type Claim<K extends LabelClaim["kind"]> = Extract<LabelClaim, { kind: K }>;
const c = <K extends LabelClaim["kind"]>(claim: LabelClaim, _kind: K) => claim as Claim<K>;
const rel = (w: Words, relation: keyof typeof REL) => pick(w.rng, REL[relation]);

export const BLIND: FamilySet = {
  refStyles: [(id) => `obj_${id}`, (id) => `the object obj_${id}`, (id) => `object #${id}`],
  families: [
    { id: "b-attr-for", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `For ${w.ref(x.id)}, the ${x.attribute} is ${w.value(x.value)}`; } },
    { id: "b-attr-eq", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `${x.attribute} of ${w.ref(x.id)} = ${w.value(x.value)}`; } },
    { id: "b-attr-is-of", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return x.attribute === "size" ? `${w.ref(x.id)} is of ${w.value(x.value)} size` : `${w.ref(x.id)}'s ${x.attribute}? It is ${w.value(x.value)}`; } },
    { id: "b-members-turns-out", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} turns out to be ${w.predicate(x.desc.attrs)}`; } },
    { id: "b-members-identified", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is identified as ${w.article(w.desc(x.desc.attrs, false))}`; } },
    { id: "b-neg-by-no-means", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is definitely not ${w.predicate(x.desc.attrs)}`; } },
    { id: "b-neg-isnt-made", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return x.desc.attrs.material ? `${w.ref(x.ids[0])} isn't made of ${w.value(x.desc.attrs.material)}` : `${w.ref(x.ids[0])} is not ${w.predicate(x.desc.attrs)} at all`; } },
    { id: "b-rel-found", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} can be found ${rel(w, x.desc.rel!.relation)} ${w.ref(x.desc.rel!.object)}`; } },
    { id: "b-rel-placed", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is placed ${rel(w, x.desc.rel!.relation)} ${w.anchor(f, x.desc.rel!.object, true)} in the image`; } },
    { id: "b-count-contains", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `The scene contains ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "b-count-identified", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `I identified ${w.num(x.n)} ${countDesc(f, w, x)} overall`; } },
    { id: "b-count-a-total", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `There are a total of ${w.num(x.n)} ${countDesc(f, w, { ...x, n: 2 })}`; } },
    { id: "b-same-equal-in", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} are equal in ${x.attribute}` : `${w.ref(x.ids[0])} has a different ${x.attribute} than ${w.ref(x.ids[1])}`; } },
    { id: "b-same-that-of", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} is the same ${x.attribute} as ${w.ref(x.ids[1])}` : `The ${x.attribute} of ${w.ref(x.ids[0])} differs from that of ${w.ref(x.ids[1])}`; } },
    { id: "b-enum-object-that", kind: "enumeration", render: (f, w) => { const x = c(f.claim, "enumeration"); return `The only object that is ${w.article(w.desc(x.desc.attrs, false))} is ${w.ref(x.ids[0])}`; } },
    { id: "b-enum-here", kind: "enumeration", render: (f, w) => { const x = c(f.claim, "enumeration"); return `The ${w.desc(x.desc.attrs, false)} here is ${w.ref(x.ids[0])}`; } },
  ],
  styles: [
    { id: "terse", wrap: (s) => s.map((x) => `${cap(x)}.`).join(" ") },
    { id: "verbose-cot", wrap: (s, w) => ["Alright, let me work through the scene.", ...s.map((x) => `${pick(w.rng, ["To begin with", "After that", "On top of that"])}, ${x}.`)].join(" ") },
    { id: "hedged", wrap: (s, w) => s.map((x) => `${pick(w.rng, ["If I'm reading the scene right,", "I'm fairly confident that", "It would seem that"])} ${x}.`).join(" ") },
    { id: "list", wrap: (s) => s.map((x) => `* ${cap(x)}`).join("\n") },
    { id: "gpt", wrap: (s) => ["### Reasoning", ...s.map((x, i) => `${i + 1}) ${cap(x)}.`)].join("\n") },
    { id: "qwen", wrap: (s) => [`Reasoning: ${s.map((x) => `${x}.`).join(" ")}`].join("") },
  ],
  traps: [
    (w, ids) => `Which of the objects is ${w.ref(ids[0])}?`,
    (w, ids) => `Let's suppose ${w.ref(ids[0])} is red.`,
    () => "Now I'll compare the two counts.",
  ],
  conclusions: [
    { id: "b-final-dash", render: (a) => `Final answer — ${a}` },
    { id: "b-to-question", render: (a) => `The answer to the question is ${a}.` },
    { id: "b-result", render: (a) => `Result: ${a}` },
  ],
};

function countDesc(f: { anchorDesc?: unknown }, w: Words, x: Claim<"count">): string {
  const desc = w.desc(x.desc.attrs, x.n !== 1);
  if (!x.desc.rel) return desc;
  return `${desc} ${rel(w, x.desc.rel.relation)} ${w.anchor(f as never, x.desc.rel.object, w.rng() < 0.5)}`;
}
