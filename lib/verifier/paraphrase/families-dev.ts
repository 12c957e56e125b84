import { pick } from "@/lib/teacher/scripted/rng";
import type { LabelClaim } from "@/lib/verifier/paraphrase/facts";
import { REL, cap, type FamilySet, type Words } from "@/lib/verifier/paraphrase/words";

// The DEVELOPMENT phrasing families of the paraphrase corpus: the claims reader was written and
// tuned against these. The held-out families (families-heldout.ts) were written at the same time,
// before the reader, and were not looked at while developing it (docs/claims-grammar.md).

type Claim<K extends LabelClaim["kind"]> = Extract<LabelClaim, { kind: K }>;
const c = <K extends LabelClaim["kind"]>(claim: LabelClaim, _kind: K) => claim as Claim<K>;
const rel = (w: Words, relation: keyof typeof REL) => pick(w.rng, REL[relation]);

export const DEV: FamilySet = {
  refStyles: [(id) => `obj_${id}`, (id) => `object ${id}`, (id) => `obj_${id}`],
  families: [
    // attributes
    { id: "attr-canonical", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `The ${x.attribute} of ${w.ref(x.id)} is ${w.value(x.value)}`; } },
    { id: "attr-possessive", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `${w.ref(x.id)}'s ${x.attribute} is ${w.value(x.value)}`; } },
    { id: "attr-according", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `According to the attributes, ${w.ref(x.id)}'s ${x.attribute} is ${w.value(x.value)}`; } },
    { id: "attr-colon", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `${w.ref(x.id)} ${x.attribute}: ${w.value(x.value)}`; } },
    { id: "attr-has-a", kind: "attribute", render: (f, w) => { const x = c(f.claim, "attribute"); return `${w.ref(x.id)} has a ${x.attribute} of ${w.value(x.value)}`; } },
    // members
    { id: "members-is-a", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is ${w.predicate(x.desc.attrs)}`; } },
    { id: "members-appears", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} appears to be ${w.predicate(x.desc.attrs)}`; } },
    { id: "members-paren", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} (${w.desc(x.desc.attrs, false)}) is in the scene`; } },
    { id: "members-i-see", kind: "members", render: (f, w) => { const x = c(f.claim, "members"); return `I can see that ${w.ref(x.ids[0])} is ${w.predicate(x.desc.attrs)}`; } },
    // negation
    { id: "neg-is-not", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is not ${w.predicate(x.desc.attrs)}`; } },
    { id: "neg-isnt", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} isn't ${w.predicate(x.desc.attrs)}`; } },
    { id: "neg-does-not-appear", kind: "negated", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} does not appear to be ${w.predicate(x.desc.attrs)}`; } },
    // relations
    { id: "rel-canonical", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is ${rel(w, x.desc.rel!.relation)} ${w.ref(x.desc.rel!.object)}`; } },
    { id: "rel-located", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} is located ${rel(w, x.desc.rel!.relation)} ${w.anchor(f, x.desc.rel!.object, true)}`; } },
    { id: "rel-sits", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); return `${w.ref(x.ids[0])} sits ${rel(w, x.desc.rel!.relation)} ${w.ref(x.desc.rel!.object)}`; } },
    { id: "rel-side", kind: "relation", render: (f, w) => { const x = c(f.claim, "members"); const r = x.desc.rel!.relation; return r === "left" || r === "right" ? `${w.ref(x.ids[0])} is on the ${r} side of ${w.ref(x.desc.rel!.object)}` : null; } },
    // counts
    { id: "count-there-are", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `There ${x.n === 1 ? "is" : "are"} ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-i-count", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `I count ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-gives", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `That gives ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-number-of", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `The number of ${countDesc(f, w, { ...x, n: 2 })} is ${w.num(x.n)}`; } },
    { id: "count-in-total", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return `In total, there ${x.n === 1 ? "is" : "are"} ${w.num(x.n)} ${countDesc(f, w, x)}`; } },
    { id: "count-none", kind: "count", render: (f, w) => { const x = c(f.claim, "count"); return x.n === 0 ? `There are no ${countDesc(f, w, { ...x, n: 2 })}` : null; } },
    // same / different
    { id: "same-have", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} have the same ${x.attribute}` : `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} have different ${x.attribute}s`; } },
    { id: "same-share", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} share the same ${x.attribute}` : `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} do not share the same ${x.attribute}`; } },
    { id: "same-differ", kind: "same", render: (f, w) => { const x = c(f.claim, "same"); return x.same ? `${w.ref(x.ids[0])} has the same ${x.attribute} as ${w.ref(x.ids[1])}` : `${w.ref(x.ids[0])} and ${w.ref(x.ids[1])} differ in ${x.attribute}`; } },
    // enumeration
    { id: "enum-the-is", kind: "enumeration", render: (f, w) => { const x = c(f.claim, "enumeration"); return `The ${w.desc(x.desc.attrs, false)} is ${w.ref(x.ids[0])}`; } },
    { id: "enum-only", kind: "enumeration", render: (f, w) => { const x = c(f.claim, "enumeration"); return `${w.ref(x.ids[0])} is the only ${w.desc(x.desc.attrs, false)}`; } },
  ],
  styles: [
    { id: "terse", wrap: (s) => s.map((x) => `${cap(x)}.`).join(" ") },
    { id: "verbose-cot", wrap: (s, w) => ["Let me think about this step by step.", ...s.map((x, i) => `${i === 0 ? "First" : pick(w.rng, ["Next", "Then", "Now"])}, ${x}.`)].join(" ") },
    { id: "hedged", wrap: (s, w) => s.map((x) => `${pick(w.rng, ["It seems that", "I think", "It looks like"])} ${x}.`).join(" ") },
    { id: "list", wrap: (s) => s.map((x) => `- ${cap(x)}`).join("\n") },
    { id: "gpt", wrap: (s) => s.map((x, i) => `**Step ${i + 1}:** ${cap(x)}.`).join("\n") },
    { id: "qwen", wrap: (s) => ["Based on the scene information provided,", ...s.map((x) => `${x}.`)].join(" ") },
  ],
  traps: [
    (w, ids) => `Let me find the objects behind ${w.ref(ids[0])}.`,
    (w, ids) => `Is ${w.ref(ids[0])} red?`,
    (w, ids) => `If ${w.ref(ids[0])} were blue, the answer would change.`,
    () => "I need to count the cubes carefully.",
  ],
  conclusions: [
    { id: "so-answer", render: (a) => `So the answer is ${a}.` },
    { id: "therefore", render: (a) => `Therefore, the answer is ${a}.` },
    { id: "answer-colon", render: (a) => `Answer: ${a}` },
  ],
};

function countDesc(f: { anchorDesc?: unknown }, w: Words, x: Claim<"count">): string {
  const desc = w.desc(x.desc.attrs, x.n !== 1);
  if (!x.desc.rel) return desc;
  return `${desc} ${rel(w, x.desc.rel.relation)} ${w.anchor(f as never, x.desc.rel.object, w.rng() < 0.5)}`;
}
