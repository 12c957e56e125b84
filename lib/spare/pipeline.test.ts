import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCaptions } from "@/lib/spare/captions";
import { endpointModels } from "@/lib/spare/llm-models";
import { respondToSparePrompt } from "@/lib/spare/offline-chat";
import { processCaption, rulesModels, spareConfig, tagPair, type SpareModels } from "@/lib/spare/pipeline";
import { addOutcome, emptyFunnel, type SpareFunnel } from "@/lib/spare/summary";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import { completion, json, startTestServer, type TestServer } from "@/lib/teacher/endpoint/test-server";

const FIXTURES = ["iiw400_first30", "docci_test_iiw_sxs_first30", "locnar_eval_iiw_p5b_first20"] as const;

async function funnelOf(file: string, models: SpareModels, config = spareConfig.parse({})): Promise<SpareFunnel> {
  const { captions } = readCaptions(file, fs.readFileSync(`fixtures/spare/${file}.jsonl`));
  const funnel = emptyFunnel();
  for (const caption of captions) addOutcome(funnel, await processCaption({ text: caption.text, image: null }, models, config));
  return funnel;
}

const total = (f: SpareFunnel) => f.pairs.kept + Object.values(f.removed).reduce((a, b) => a + b, 0);

// Pinned funnels over the fixtures (rules, offline). A change here is a change of the rules: look at
// the pairs before re-pinning.
const PINNED: Record<(typeof FIXTURES)[number], { in: number; spatial: number; generated: number; kept: number; exact: number; near: number }> = {
  iiw400_first30: { in: 60, spatial: 60, generated: 462, kept: 451, exact: 9, near: 2 },
  docci_test_iiw_sxs_first30: { in: 60, spatial: 60, generated: 645, kept: 643, exact: 1, near: 1 },
  locnar_eval_iiw_p5b_first20: { in: 20, spatial: 20, generated: 102, kept: 96, exact: 6, near: 0 },
};

describe("SpaRE pipeline over the IIW, DOCCI and Localized-Narratives fixtures", () => {
  let server: TestServer;
  let client: EndpointClient;
  beforeAll(async () => {
    server = await startTestServer((request, response) => {
      const body = JSON.parse(request.body) as { messages: Array<{ role: string; content: string }> };
      const reply = respondToSparePrompt(body.messages);
      if (reply === null) json(response, 400, { error: { message: "not a SpaRE prompt" } });
      else json(response, 200, completion(reply));
    });
    client = new EndpointClient({ baseUrl: server.url, model: "offline", maxRetries: 0 });
  });
  afterAll(() => server.close());

  it.each(FIXTURES)("%s with the rules: pinned funnel, kept + removed = generated", async (file) => {
    const funnel = await funnelOf(file, rulesModels({ maxPairsPerCaption: 24 }));
    const pin = PINNED[file];
    expect(funnel.captions).toEqual({ in: pin.in, spatial: pin.spatial });
    expect(funnel.pairs).toEqual({ generated: pin.generated, kept: pin.kept, unparseable: 0 });
    expect(funnel.removed).toMatchObject({ exact_duplicate: pin.exact, near_duplicate: pin.near, reference: 0, inconsistent_answer: 0, clip_score: 0, not_spatial: 0 });
    expect(total(funnel)).toBe(funnel.pairs.generated);
  });

  it.each(FIXTURES)("%s over HTTP (llm classifier and synthesizer on the offline responder) gives the rules' funnel", async (file) => {
    const config = spareConfig.parse({ synthesizer: "llm", classifier: "llm" });
    const before = server.requests.length;
    const funnel = await funnelOf(file, endpointModels({ chat: client, config }), config);
    const pin = PINNED[file];
    expect(funnel.pairs).toEqual({ generated: pin.generated, kept: pin.kept, unparseable: 0 });
    expect(total(funnel)).toBe(funnel.pairs.generated);
    // classifier + generation per caption, then one re-check per pair still standing
    expect(server.requests.length - before).toBe(pin.in + pin.spatial + pin.kept);
  });
});

describe("the pipeline's stages with hand-made models", () => {
  const caption = "A red cup sits on the table next to a white plate. A cat sleeps under the chair.";
  const base = (pairs: Array<{ question: string; answer: string }>, raw: string | null = null): SpareModels => ({
    classify: async (text) => ({ spatial: /\b(on|next to|under|left|above)\b/i.test(text), reason: "test" }),
    generate: async () => ({ pairs, unparseable: false, truncated: false, invalidItems: 0, raw }),
  });
  const config = spareConfig.parse({});

  it("a caption the classifier rejects generates nothing", async () => {
    const outcome = await processCaption({ text: "A cup of tea.", image: null }, base([{ question: "q", answer: "a" }]), config);
    expect(outcome).toMatchObject({ spatial: false, pairs: [] });
  });

  it("each filter removes its pair, in the paper's order, with its reason", async () => {
    const models = base([
      { question: "Where is the red cup?", answer: "On the table." },
      { question: "where is the red cup", answer: "On the table." },
      { question: "What is mentioned next to the white plate?", answer: "A red cup." },
      { question: "Where is the dog?", answer: "The dog is on the sofa." },
      { question: "What colour is the cup?", answer: "Red." },
      { question: "Is the cat under the chair?", answer: "Yes, the cat is under the chair." },
    ]);
    const outcome = await processCaption({ text: caption, image: null }, models, config);
    expect(outcome.pairs.map((p) => [p.status, p.removedBy])).toEqual([
      ["kept", null],
      ["removed", "exact_duplicate"],
      ["removed", "reference"],
      ["removed", "inconsistent_answer"],
      ["removed", "not_spatial"],
      ["kept", null],
    ]);
    expect(outcome.pairs[2].reason).toBe('refers to the description ("mentioned")');
    expect(outcome.clipSkipped).toBe("no image-text embedding endpoint configured");
    expect(caption.slice(outcome.pairs[5].spanStart!, outcome.pairs[5].spanEnd!)).toBe("A cat sleeps under the chair.");
  });

  it("near-duplicates by embedding cosine when an embedding endpoint is configured", async () => {
    const models: SpareModels = {
      ...base([
        { question: "Where is the red cup?", answer: "On the table." },
        { question: "Where's the red cup located?", answer: "On the table." },
        { question: "Is the cat under the chair?", answer: "Yes." },
      ]),
      embedTexts: async (texts) => texts.map((t) => (t.includes("cup") ? [1, 0.01 * t.length] : [0, 1])),
    };
    const outcome = await processCaption({ text: caption, image: null }, models, config);
    expect(outcome.pairs.map((p) => p.removedBy)).toEqual([null, "near_duplicate", null]);
    expect(outcome.pairs[1].reason).toMatch(/^embedding cosine 0\.99\d ≥ 0\.95 with pair #1$/);
  });

  it("CLIPScore: low scores are removed; no image skips the filter with the reason", async () => {
    const models: SpareModels = {
      ...base([
        { question: "Is the cup on the table?", answer: "Yes, the cup is on the table." },
        { question: "Is the cat under the chair?", answer: "Yes, the cat is under the chair." },
      ]),
      clipScores: async (_image, questions) => questions.map((q) => (q.includes("cat") ? 0.1 : 0.3)),
    };
    const withImage = await processCaption({ text: caption, image: "data:image/png;base64,AAAA" }, models, config);
    expect(withImage.pairs.map((p) => p.removedBy)).toEqual([null, "clip_score"]);
    expect(withImage.pairs[1].reason).toBe("CLIPScore 0.100 < 0.25");
    const missing = await processCaption({ text: caption, image: null, imageProblem: "image missing: x.jpg" }, models, config);
    expect(missing.clipSkipped).toBe("image missing: x.jpg");
    expect(missing.pairs.every((p) => p.status === "kept")).toBe(true);
  });

  it("keeps the raw answer of an unparseable generation", async () => {
    const config = spareConfig.parse({ synthesizer: "llm", classifier: "rules" });
    const chat = { ask: async () => "Sorry, I can't do that." } as unknown as EndpointClient;
    const outcome = await processCaption({ text: caption, image: null }, endpointModels({ chat, config }), config);
    expect(outcome).toMatchObject({ spatial: true, unparseable: true, rawAnswer: "Sorry, I can't do that.", pairs: [] });
  });

  it("tags pairs with a SpaRE relation, our class and a frame", () => {
    expect(tagPair("What is to the left of the door?", "A lamp.")).toEqual({ relation: "left", relationClass: "projective", frame: "unknown" });
    expect(tagPair("Where is the lamp?", "On the left side of the image.")).toEqual({ relation: "left", relationClass: "projective", frame: "viewer" });
    expect(tagPair("Which is taller, the tree or the house?", "The tree.")).toEqual({ relation: "none", relationClass: "comparison", frame: "unknown" });
  });
});
