// Classifier agreement on a hand-labelled set (docs/design.md §12): how often a classifier (rules or
// an LLM) says what the labels say, with precision first (the pre-filter's job is not to let
// non-spatial captions through), and Cohen's kappa between two classifiers.

export interface Agreement {
  n: number;
  agree: number;
  accuracy: number;
  precision: number | null;
  recall: number | null;
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
  /** Cohen's kappa (chance-corrected agreement); null when undefined (one class only). */
  kappa: number | null;
}

export function agreement(reference: boolean[], predicted: boolean[]): Agreement {
  if (reference.length !== predicted.length) throw new Error(`agreement: ${reference.length} labels but ${predicted.length} predictions`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  reference.forEach((truth, i) => {
    if (predicted[i] && truth) tp++;
    else if (predicted[i]) fp++;
    else if (truth) fn++;
    else tn++;
  });
  const n = reference.length;
  const agree = tp + tn;
  const pYes = ((tp + fn) / n) * ((tp + fp) / n);
  const pNo = ((tn + fp) / n) * ((tn + fn) / n);
  const expected = pYes + pNo;
  return {
    n,
    agree,
    accuracy: n ? agree / n : 0,
    precision: tp + fp ? tp / (tp + fp) : null,
    recall: tp + fn ? tp / (tp + fn) : null,
    truePositive: tp,
    falsePositive: fp,
    falseNegative: fn,
    trueNegative: tn,
    kappa: n && expected < 1 ? (agree / n - expected) / (1 - expected) : null,
  };
}
