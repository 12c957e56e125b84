import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalQuestion, questionJsonSchema } from "@/lib/schemas/generation";

describe("docs/stepwise.question.v1.schema.json", () => {
  it("is the schema the code validates with", () => {
    expect(JSON.parse(fs.readFileSync("docs/stepwise.question.v1.schema.json", "utf8"))).toEqual(questionJsonSchema());
  });
  it("accepts the documented shape and refuses unknown keys", () => {
    expect(canonicalQuestion.safeParse({ image: "a.png", question: "How many?", answer: 2, scene: "a" }).success).toBe(true);
    expect(canonicalQuestion.safeParse({ image: "a.png", qeustion: "typo" }).success).toBe(false);
  });
});
