import { z } from "zod";

// Integers as URLs, query strings and CLI flags spell them: canonical decimal only. `z.coerce`
// accepted "0x10" (16), "1e1", " 16" and "016" — /api/steps/0x10/label labelled step 16.

const CANONICAL_INT = /^-?(0|[1-9][0-9]{0,15})$/;

/** A safe integer given as a number or as its canonical decimal text ("16"; never "0x10", "016", "1e1", "+16"). */
export const decimalInt = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value;
  } else if (CANONICAL_INT.test(value) && Number.isSafeInteger(Number(value)) && value !== "-0") {
    return Number(value);
  }
  ctx.addIssue({ code: "custom", message: `expected a decimal integer such as 16, got ${JSON.stringify(String(value).slice(0, 40))}` });
  return z.NEVER;
});

/** A database id: a positive canonical decimal integer. */
export const positiveId = decimalInt.pipe(z.number().int().positive());

/** An integer query parameter within bounds. */
export const queryInt = (min: number, max: number) => decimalInt.pipe(z.number().int().min(min).max(max));

export const idParams = z.object({ id: positiveId });
