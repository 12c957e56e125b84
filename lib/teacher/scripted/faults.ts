// The fault injector's error types (docs/verifier.md, "Scripted teacher"). Each rate is the
// probability of injecting that fault at each opportunity for it (a tool call, a tool result, a
// reasoning step, the answer, a program node). Truth labels follow docs/design.md §5 "what wrong means".

export const FAULT_TYPES = [
  "hallucinated_result",
  "misread_result",
  "invalid_value",
  "unknown_object",
  "unknown_relation",
  "broken_propagation",
  "broken_pairing",
  "false_claim",
  "answer_contradiction",
  "truncated",
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];
export type FaultRates = Partial<Record<FaultType, number>>;

export const NO_FAULTS: FaultRates = {};

/** Rates for the demo's and the metrics' "direct" teacher: about one trace in two has a fault. */
export const DEFAULT_RATES: FaultRates = {
  hallucinated_result: 0.04,
  misread_result: 0.04,
  invalid_value: 0.02,
  unknown_object: 0.015,
  unknown_relation: 0.03,
  broken_propagation: 0.03,
  broken_pairing: 0.015,
  false_claim: 0.02,
  answer_contradiction: 0.03,
  truncated: 0.02,
};

/** Denser faults for the verifier's oracle tests and bench. */
export const ORACLE_RATES: FaultRates = Object.fromEntries(Object.entries(DEFAULT_RATES).map(([k, v]) => [k, Math.min(0.25, v * 2.5)]));
