import path from "node:path";
import { describe, expect, it } from "vitest";
import { ORACLE_RATES, generateCorpus, readClevrScenes, toVerifyStep } from "@/lib/teacher/scripted";
import { DEFAULT_SETTINGS, verifierSettings } from "@/lib/verifier/config";
import { ablationTable } from "@/lib/verifier/metrics";
import { FAIL, MAX_RULES, OUTCOMES, PASS, SKIP, verdictCode, verdictOutcome, verdictRule, verdictStep, type VerifyInput } from "@/lib/verifier/rule";
import { CROSS_RULES, RULE_DEFINITIONS, RULE_IDS, RULES, STEP_RULES } from "@/lib/verifier/rules";
import { verifyTrace } from "@/lib/verifier/verify";

// The rule registry is the one list of rules: settings, defaults, scopes and the verdict encoding
// derive from it, and every rule keeps the contract of lib/verifier/rule.ts.

const scenes = readClevrScenes(path.resolve("fixtures/clevr-v1/CLEVR_train_scenes_1000.json")).slice(0, 25);
const inputs: VerifyInput[] = generateCorpus({ scenes, questionsPerScene: 2, seeds: [4], methods: ["direct", "step-level"], rates: ORACLE_RATES })
  .map((t) => ({ steps: t.trace.steps.map(toVerifyStep), answer: t.question.answer as string, program: t.question.program, scene: t.scene }));

describe("verdict encoding", () => {
  it("has room for far more rules than are registered (guard: fails when the registry outgrows it)", () => {
    expect(MAX_RULES).toBeGreaterThanOrEqual(64);
    expect(RULE_DEFINITIONS.length).toBeLessThanOrEqual(MAX_RULES);
    // calibration packs a step's failing / passing rules as bit masks (2^i per rule, in registry
    // order) summed in SQLite and read as doubles: exact for up to 53 rules
    expect(RULE_DEFINITIONS.length).toBeLessThanOrEqual(53);
  });

  it("round-trips step, rule and outcome for the largest rule index and very long traces", () => {
    for (const step of [0, 1, 31, 1023, 2_100_000, 10_000_000, 2 ** 40]) {
      for (const rule of [0, 7, 8, 63, MAX_RULES - 1]) {
        for (const outcome of [PASS, FAIL, SKIP] as const) {
          const code = verdictCode(step, rule, outcome);
          expect([verdictStep(code), verdictRule(code), OUTCOMES[verdictOutcome(code)]]).toEqual([step, rule, OUTCOMES[outcome]]);
        }
      }
    }
  });
});

describe("rule registry", () => {
  it("ids are unique and stable-looking; settings, defaults and scopes follow the registry", () => {
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
    for (const id of RULE_IDS) expect(id).toMatch(/^[a-z]+\.[a-z][a-z0-9-]*$/);
    expect(Object.keys(DEFAULT_SETTINGS.rules)).toEqual([...RULE_IDS]);
    for (const rule of RULE_DEFINITIONS) expect(DEFAULT_SETTINGS.rules[rule.id]).toEqual(rule.defaults);
    expect(verifierSettings.safeParse(DEFAULT_SETTINGS).success).toBe(true);
    expect(verifierSettings.safeParse({ ...DEFAULT_SETTINGS, rules: { ...DEFAULT_SETTINGS.rules, "no.such": { enabled: true, weight: 1 } } }).success).toBe(false);
    expect([...STEP_RULES, ...CROSS_RULES].every((id) => RULES[id].scope !== "final")).toBe(true);
    for (const rule of RULE_DEFINITIONS) {
      expect(rule.description.length, rule.id).toBeGreaterThan(10);
      expect(rule.kinds.length, rule.id).toBeGreaterThan(0);
    }
  });

  it("each rule reports at most once per step, only on the step kinds it declares", () => {
    for (const input of inputs) {
      const seen = new Set<string>();
      verifyTrace(input, DEFAULT_SETTINGS).eachVerdict((step, rule) => {
        expect(seen.has(`${step} ${rule}`), `${rule} twice on step ${step}`).toBe(false);
        seen.add(`${step} ${rule}`);
        expect((RULES[rule].kinds as readonly string[]).includes(input.steps[step].kind), `${rule} on a ${input.steps[step].kind}`).toBe(true);
      });
    }
  });

  it("a rule that needs a scene or the ground truth only skips without it", () => {
    const needScene = new Set(RULE_DEFINITIONS.filter((r) => r.needs.scene).map((r) => r.id as string));
    const needTruth = new Set(RULE_DEFINITIONS.filter((r) => r.needs.groundTruth).map((r) => r.id as string));
    expect(needScene.size).toBeGreaterThan(0);
    let checked = 0;
    for (const input of inputs) {
      verifyTrace({ ...input, scene: null, answer: null }, DEFAULT_SETTINGS).eachVerdict((_, rule, outcome) => {
        if (needScene.has(rule) || needTruth.has(rule)) {
          checked++;
          expect(outcome, rule).toBe("skip");
        }
      });
    }
    expect(checked).toBeGreaterThan(inputs.length);
  });

  it("a disabled rule gives no verdicts, and the others keep theirs", () => {
    for (const rule of RULE_IDS) {
      const settings = { ...DEFAULT_SETTINGS, rules: { ...DEFAULT_SETTINGS.rules, [rule]: { enabled: false, weight: 1 } } };
      for (const input of inputs.slice(0, 10)) {
        const all = verifyTrace(input, DEFAULT_SETTINGS).verdicts.filter((v) => v.rule !== rule);
        expect(verifyTrace(input, settings).verdicts).toEqual(all);
      }
    }
  });

  it("the ablations switch off the registry's step and cross scopes", () => {
    const traces = inputs.map((input, i) => {
      const r = verifyTrace(input, DEFAULT_SETTINGS);
      return { method: i % 2 ? "a" : "b", quality: r.quality, valid: r.valid, parts: r.parts, completeness: r.completeness, finalCorrect: r.finalCorrect, calls: r.calls, accurateCalls: r.accurateCalls };
    });
    const rows = ablationTable(traces as never, DEFAULT_SETTINGS);
    // an ablation switches off what the config has on (reasoning.judge is off by default)
    const on = (ids: readonly string[]) => ids.filter((id) => DEFAULT_SETTINGS.rules[id as keyof typeof DEFAULT_SETTINGS.rules].enabled);
    expect(rows.find((r) => r.variant === "no step-level checks")!.off).toEqual(on(STEP_RULES));
    expect(rows.find((r) => r.variant === "no cross-step checks")!.off).toEqual(on(CROSS_RULES));
    expect(rows.find((r) => r.variant === "full")!.off).toEqual([]);
  });
});
