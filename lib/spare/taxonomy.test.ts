import { describe, expect, it } from "vitest";
import { frameOf, matchRelations, relationsOf, SPARE_RELATIONS, tokenize } from "@/lib/spare/taxonomy";

describe("SpaRE taxonomy", () => {
  it("holds the paper's 29 relations, each with one of our classes, shares summing to ~100%", () => {
    expect(SPARE_RELATIONS).toHaveLength(29);
    expect(new Set(SPARE_RELATIONS.map((r) => r.class))).toEqual(new Set(["projective", "topological", "metric", "orientation"]));
    const total = SPARE_RELATIONS.reduce((sum, r) => sum + r.srPercent, 0);
    expect(total).toBeGreaterThan(99);
    expect(total).toBeLessThan(101);
    expect(SPARE_RELATIONS.find((r) => r.relation === "right")).toMatchObject({ class: "projective", srPercent: 21.65 });
  });

  it("matches the longest phrase with its span", () => {
    const text = "A lamp stands to the left of the sofa.";
    const [m] = matchRelations(text);
    expect(m).toMatchObject({ relation: "left", class: "projective", phrase: "to the left of" });
    expect(text.slice(m.start, m.end)).toBe("to the left of");
  });

  it.each([
    ["The cat is on the mat.", ["on"]],
    ["They met on Monday.", []],
    ["The book was written by a famous author.", []],
    ["The bike stands by the door.", ["next_to_beside_adjacent"]],
    ["This is the right answer.", []],
    ["The door on the right is open.", ["right"]],
    ["They left early.", []],
    ["In the image, a dog runs.", []],
    ["In the background, a hill.", ["back"]],
    ["Over the years it changed.", []],
    ["A plane flies over the city.", ["above"]],
    ["The menu includes soup.", []],
    ["A tower at the bottom-left corner.", ["left"]],
    ["The fish swims beneath the surface and through the weeds.", ["below", "through"]],
  ])("%s → %j", (text, relations) => {
    expect(relationsOf(text).filter((r) => matchRelations(text).find((m) => m.relation === r)?.evidence)).toEqual(relations);
  });

  it("tags the frame of reference", () => {
    const frame = (text: string) => {
      const tokens = tokenize(text);
      return frameOf(matchRelations(text, tokens)[0], tokens);
    };
    expect(frame("The tree is on the left side of the image.")).toBe("viewer");
    expect(frame("On the right, a door opens.")).toBe("viewer");
    expect(frame("A dog sits to its left.")).toBe("object");
    expect(frame("The car's front faces the wall.")).toBe("object");
    expect(frame("The cup is to the left of the plate.")).toBe("unknown");
    expect(frame("The cup is on the plate.")).toBe("unknown");
    expect(frame("A hill in the background.")).toBe("viewer");
  });
});
