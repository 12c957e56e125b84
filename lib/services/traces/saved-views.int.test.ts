import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { savedViewBody, savedViewPatch } from "@/lib/schemas/saved-views";
import { traceFilters, traceViewState, viewQuery } from "@/lib/schemas/trace-list";
import { createTestDataset } from "@/lib/services/calibration/calibration-test-data";
import { createSavedView, deleteSavedView, listSavedViews, updateSavedView } from "@/lib/services/traces/saved-views";
import { listTraces } from "@/lib/services/traces/trace-list";

// Saved views of the trace list (docs/design.md §6 "Saved views") and the URL state they hold —
// sort and columns included — against a real SQLite file.

describe("saved views", () => {
  it("saves the URL state canonically, per user; lists, renames, re-points and deletes only your own", async () => {
    const view = await createSavedView({ name: "failing claims", query: "?cursor=40&rule=reasoning.claims&dataset=clevr-demo&mode=gallery&junk=1&sort=-quality" }, "ann");
    // known keys in a fixed order; the page cursor and unknown keys are not part of a view
    expect(view).toMatchObject({ name: "failing claims", query: "dataset=clevr-demo&rule=reasoning.claims&sort=-quality&mode=gallery", href: "/traces?dataset=clevr-demo&rule=reasoning.claims&sort=-quality&mode=gallery" });
    await createSavedView({ name: "all", query: "" }, "ann");
    await createSavedView({ name: "failing claims", query: "valid=false" }, "ben"); // same name, another user
    expect((await listSavedViews("ann")).map((v) => v.name)).toEqual(["all", "failing claims"]);
    expect((await listSavedViews("ben")).map((v) => v.query)).toEqual(["valid=false"]);

    await expect(createSavedView({ name: "all", query: "valid=true" }, "ann")).rejects.toMatchObject({ code: "conflict" });
    await expect(createSavedView({ name: "bad", query: "qmin=7" }, "ann")).rejects.toMatchObject({ code: "invalid_input", message: expect.stringMatching(/^query\.qmin/) });

    const renamed = await updateSavedView(view.id, { name: "claims (gallery)" }, "ann");
    expect(renamed).toMatchObject({ id: view.id, name: "claims (gallery)", query: view.query });
    await expect(updateSavedView(view.id, { name: "all" }, "ann")).rejects.toMatchObject({ code: "conflict" });
    const moved = await updateSavedView(view.id, { query: "decision=none" }, "ann");
    expect(moved.query).toBe("decision=none");

    await expect(updateSavedView(view.id, { name: "mine now" }, "ben")).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteSavedView(view.id, "ben")).rejects.toMatchObject({ code: "not_found" });
    expect(await deleteSavedView(view.id, "ann")).toEqual({ deleted: view.id });
    expect((await listSavedViews("ann")).map((v) => v.name)).toEqual(["all"]);
    expect(await db().savedView.count({ where: { name: "failing claims" } })).toBe(1); // ben's
  });

  it("request schemas are strict and bounded", () => {
    expect(savedViewBody.safeParse({ name: "x", query: "", user: "other" }).success).toBe(false);
    expect(savedViewBody.safeParse({ name: "  ", query: "" }).success).toBe(false);
    expect(savedViewBody.safeParse({ name: "x".repeat(101), query: "" }).success).toBe(false);
    expect(savedViewBody.safeParse({ name: "x", query: "q=".padEnd(2_001, "a") }).success).toBe(false);
    expect(savedViewPatch.safeParse({}).success).toBe(false);
  });

  it("view state: unknown columns and modes fall back instead of failing an old link", () => {
    expect(traceViewState.parse({ mode: "gallery", cols: "quality,nope,question" })).toEqual({ mode: "gallery", cols: ["question", "quality"] });
    expect(traceViewState.parse({ mode: "carousel" })).toMatchObject({ mode: "table", cols: expect.arrayContaining(["question", "human"]) });
    expect(viewQuery({ q: "  ", dataset: "a", cursor: "9" })).toBe("dataset=a");
  });
});

describe("trace list sort (keyset pages in quality order)", () => {
  beforeAll(async () => {
    const data = await createTestDataset("sorted", Array.from({ length: 7 }, (_, i) => ({ externalId: `S${i}`, steps: [{ kind: "answer" as const }] })));
    const qualities = [0.5, 0.9, null, 0.5, 0.1, null, 0.7];
    for (const [i, t] of data.traces.entries()) await db().trace.update({ where: { id: t.id }, data: { quality: qualities[i] } });
  });

  async function all(sort: string): Promise<string[]> {
    const out: string[] = [];
    let cursor: number | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await listTraces(traceFilters.parse({ dataset: "sorted", sort, limit: "2", ...(cursor ? { cursor: String(cursor) } : {}) }));
      out.push(...page.items.map((t) => t.externalId));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("did not finish");
  }

  it("pages through every trace once in each order, unverified last", async () => {
    expect(await all("id")).toEqual(["S0", "S1", "S2", "S3", "S4", "S5", "S6"]);
    expect(await all("-id")).toEqual(["S6", "S5", "S4", "S3", "S2", "S1", "S0"]);
    expect(await all("quality")).toEqual(["S4", "S0", "S3", "S6", "S1", "S2", "S5"]);
    expect(await all("-quality")).toEqual(["S1", "S6", "S0", "S3", "S4", "S2", "S5"]);
    expect(traceFilters.safeParse({ sort: "random" }).success).toBe(false);
  });
});
