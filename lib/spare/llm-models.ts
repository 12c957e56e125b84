import type { EndpointClient } from "@/lib/teacher/endpoint/client";
import { classifierPrompt, generationPrompt, readClassifierAnswer } from "@/lib/spare/prompts";
import { generationAnswer, ruleClassify, type SpareConfig, type SpareModels } from "@/lib/spare/pipeline";
import { synthesizePairs } from "@/lib/spare/rules";

// The pipeline's model calls over an OpenAI-compatible endpoint (docs/design.md §12): the paper's
// classifier question and generation instruction at temperature 0 (the paper: up to 8,192 new
// tokens). Either half can stay on the rules (`classifier` / `synthesizer` in the config).

export interface LlmModelOptions {
  chat: EndpointClient | null;
  embeddings?: EndpointClient | null;
  clip?: EndpointClient | null;
  config: SpareConfig;
  signal?: AbortSignal;
  maxTokens?: number;
}

export function endpointModels(options: LlmModelOptions): SpareModels {
  const { chat, config, signal } = options;
  const params = { temperature: 0, max_tokens: options.maxTokens ?? 8192 };
  const models: SpareModels = {
    classify: async (text) => {
      if (config.classifier !== "llm" || !chat) return ruleClassify(text);
      const raw = await chat.ask(classifierPrompt(text), { params: { temperature: 0, max_tokens: 16 }, signal });
      const verdict = readClassifierAnswer(raw);
      const shown = raw.replace(/\s+/g, " ").trim().slice(0, 80);
      return { spatial: verdict.spatial, reason: verdict.readable ? `llm: "${shown}"` : `llm: unreadable answer "${shown}" (counted as not spatial)` };
    },
    generate: async (caption) => {
      if (config.synthesizer !== "llm" || !chat) {
        return { pairs: synthesizePairs(caption, { maxPairs: config.maxPairsPerCaption }), unparseable: false, truncated: false, invalidItems: 0, raw: null };
      }
      const raw = await chat.ask(generationPrompt(caption), { params, signal });
      return generationAnswer(raw, config.maxPairsPerCaption);
    },
  };
  if (options.embeddings) {
    const client = options.embeddings;
    models.embedTexts = (texts) => client.embed(texts, { signal });
  }
  if (options.clip) {
    const client = options.clip;
    models.clipScores = async (image, questions) => {
      const [imageVector, ...textVectors] = await client.embed([{ image }, ...questions], { signal });
      return textVectors.map((v) => {
        let dot = 0;
        let a = 0;
        let b = 0;
        for (let i = 0; i < v.length; i++) {
          dot += v[i] * imageVector[i];
          a += v[i] * v[i];
          b += imageVector[i] * imageVector[i];
        }
        return a === 0 || b === 0 ? 0 : dot / Math.sqrt(a * b);
      });
    };
  }
  return models;
}
