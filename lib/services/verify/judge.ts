import { sql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";
import { endpointConfig, type EndpointConfigInput } from "@/lib/schemas/endpoint";
import { EndpointClient } from "@/lib/teacher/endpoint/client";
import type { Scene } from "@/lib/tools/scene";
import { judgeRequest, readJudgment, type JudgeRequest } from "@/lib/verifier/judge/prompt";
import type { Judgment, VerifyStep } from "@/lib/verifier/rule";
import type { TraceVerification } from "@/lib/verifier/verify";

// reasoning.judge's side effects (docs/design.md §5 "reasoning.judge"): which steps to ask about,
// the HTTP calls (outside any transaction, a few at a time), and the JudgeCache table. The rule
// itself is pure; a run hands it the answers through VerifyInput.judgments.
//
// Per trace: a first pass without judgments says which reasoning / plan steps no rule checked;
// those are asked of the judge (or found in the cache by content hash); a second pass with the
// answers gives the trace's verdicts. Traces with nothing to ask are verified once.

/** Environment variables naming the judge endpoint for runs that get no options (the web UI). */
export const JUDGE_ENV = { url: "STEPWISE_JUDGE_URL", model: "STEPWISE_JUDGE_MODEL", apiKeyEnv: "STEPWISE_JUDGE_API_KEY_ENV" } as const;

const JUDGED_KINDS = new Set(["reasoning", "plan"]);
/** Requests in flight at once. */
const CONCURRENCY = 4;

export interface JudgeStats {
  /** Steps sent to the judge endpoint in this run. */
  asked: number;
  /** Steps answered from the cache. */
  cached: number;
  /** Steps the endpoint failed on, or whose reply was unreadable (not cached: asked again next run). */
  failed: number;
}

/** The endpoint from the options, else from the environment; null when neither names one. */
export function judgeEndpoint(options: EndpointConfigInput | null | undefined, env: Record<string, string | undefined> = process.env): EndpointConfigInput | null {
  if (options) return options;
  const url = env[JUDGE_ENV.url];
  if (!url) return null;
  const model = env[JUDGE_ENV.model];
  if (!model) throw new AppError("invalid_input", `${JUDGE_ENV.url} is set but ${JUDGE_ENV.model} is not: name the judge model too`);
  return { baseUrl: url, model, ...(env[JUDGE_ENV.apiKeyEnv] ? { apiKeyEnv: env[JUDGE_ENV.apiKeyEnv] } : {}), timeoutMs: 60_000, maxRetries: 3 };
}

interface Asked {
  index: number;
  request: JudgeRequest;
}

const CACHE_GET = `SELECT "verdict", "rationale", "model" FROM "JudgeCache" WHERE "hash" = ?`;
// an upsert both dialects know (SQLite ≥ 3.24, PostgreSQL ≥ 9.5)
const CACHE_PUT = `INSERT INTO "JudgeCache" ("hash", "model", "verdict", "rationale") VALUES (?, ?, ?, ?)
  ON CONFLICT ("hash") DO UPDATE SET "model" = excluded."model", "verdict" = excluded."verdict", "rationale" = excluded."rationale"`;

export class JudgeSession {
  readonly stats: JudgeStats = { asked: 0, cached: 0, failed: 0 };
  private readonly client: EndpointClient;
  /**
   * The answers this run has read from the cache or the endpoint, by hash: `judgments` answers from
   * here synchronously (inside a transaction, on either database) — `fetch` fills it first.
   */
  private readonly answers = new Map<string, Judgment>();
  /** Why a hash has no answer this run (endpoint error, unreadable reply): not cached, said once. */
  private readonly failures = new Map<string, string>();
  /** Hashes answered from the cache or the endpoint in this run (counted once each). */
  private readonly seen = new Set<string>();

  private constructor(client: EndpointClient) {
    this.client = client;
  }

  /** A session for a run: the endpoint is checked first, so a wrong URL or model fails the run before it starts. */
  static async open(endpoint: EndpointConfigInput, signal?: AbortSignal): Promise<JudgeSession> {
    const parsed = endpointConfig.safeParse(endpoint);
    if (!parsed.success) throw new AppError("invalid_input", `judge endpoint: ${parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ")}`);
    const client = new EndpointClient(parsed.data);
    try {
      await client.preflight({ signal });
    } catch (caught) {
      throw new AppError("invalid_input", `judge endpoint: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
    return new JudgeSession(client);
  }

  get model(): string {
    return this.client.model;
  }

  /** The judge-kind steps a first pass left unchecked, on a trace with a scene: what to ask. */
  requests(question: string | null, scene: Scene | null, steps: readonly VerifyStep[], first: TraceVerification): Asked[] {
    if (!scene) return [];
    const asked: Asked[] = [];
    for (let i = 0; i < steps.length; i++) {
      if (first.coverage[i] !== null && JUDGED_KINDS.has(steps[i].kind)) asked.push({ index: i, request: judgeRequest(this.client.model, question, scene, steps, i) });
    }
    return asked;
  }

  /** Sends what the cache does not hold yet (outside any transaction) and caches the answers. */
  async fetch(asked: readonly Asked[], signal?: AbortSignal): Promise<void> {
    const q = await sql();
    const missing = new Map<string, JudgeRequest>();
    for (const { request } of asked) {
      if (missing.has(request.hash) || this.failures.has(request.hash) || this.answers.has(request.hash)) continue;
      const row = await q.get<{ verdict: Judgment["verdict"]; rationale: string; model: string }>(CACHE_GET, [request.hash]);
      if (row) this.answers.set(request.hash, { verdict: row.verdict, rationale: row.rationale, model: row.model });
      else missing.set(request.hash, request);
    }
    const queue = [...missing.values()];
    const worker = async () => {
      for (let request = queue.shift(); request; request = queue.shift()) {
        this.stats.asked++;
        this.seen.add(request.hash);
        try {
          const content = await this.client.ask(request.user, { system: request.system, signal, params: { temperature: 0, max_tokens: 400 } });
          const judgment = readJudgment(content, this.client.model);
          if (judgment) {
            await q.run(CACHE_PUT, [request.hash, judgment.model, judgment.verdict, judgment.rationale]);
            this.answers.set(request.hash, { verdict: judgment.verdict, rationale: judgment.rationale, model: judgment.model });
          } else {
            this.stats.failed++;
            this.failures.set(request.hash, `judge reply unreadable: ${JSON.stringify(content.slice(0, 120))}`);
          }
        } catch (caught) {
          if (signal?.aborted) throw caught;
          this.stats.failed++;
          this.failures.set(request.hash, `judge endpoint failed: ${caught instanceof Error ? caught.message : String(caught)}`.slice(0, 300));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }

  /** The answers for a trace's steps (as `fetch` read them; sync, so it runs inside a transaction). undefined: nothing asked. */
  judgments(asked: readonly Asked[], steps: number): Array<Judgment | string | undefined> | undefined {
    if (asked.length === 0) return undefined;
    const out = new Array<Judgment | string | undefined>(steps);
    for (const { index, request } of asked) {
      const row = this.answers.get(request.hash);
      if (row) {
        if (!this.seen.has(request.hash)) {
          this.seen.add(request.hash);
          this.stats.cached++;
        }
        out[index] = { verdict: row.verdict, rationale: row.rationale, model: row.model };
      } else out[index] = this.failures.get(request.hash) ?? "not judged yet (the step changed during the run)";
    }
    return out;
  }
}
