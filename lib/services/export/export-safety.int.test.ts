import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { run, writeProgram } from "@/lib/db/sql";
import { generateProgram } from "@/fixtures/export/generate";
import { runExport } from "@/lib/services/export/exports";
import { safeImageReference } from "@/lib/services/export/export-write";
import { runVerifier } from "@/lib/services/verify/verify";

// Exports of hostile names and legacy image references, end to end on a real SQLite file: the
// card (README.md) stays inert Markdown, and no exported image_url is anything but http(s) or a
// relative file name.

const HOSTILE = "x\n# <script>alert(1)</script> | [a](javascript:b)";
const out = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `stepwise-safety-${name}-`));

beforeAll(async () => {
  await writeProgram(() => generateProgram({ dataset: HOSTILE, traces: 12, tracesPerImage: 2 }));
  await writeProgram(() => generateProgram({ dataset: "legacy-urls", traces: 12, tracesPerImage: 2 }));
  // rows imported before the http(s)-only rule: what an older database may hold
  const images = await db().image.findMany({ where: { dataset: { name: "legacy-urls" } }, orderBy: { id: "asc" } });
  const bad: Array<[string | null, string]> = [
    ["javascript:alert(1)", "a.png"],
    ["file:///etc/passwd", "b.png"],
    [null, "/etc/passwd"],
    [null, "../../secret.png"],
    ["//evil.example/x.png", "file:///c.png"],
    ["https://ok.example/f.png", "f.png"],
  ];
  await writeProgram(function* () {
    for (const [i, image] of images.entries()) yield* run(`UPDATE "Image" SET "url" = ?, "name" = ? WHERE "id" = ?`, bad[i][0], bad[i][1], image.id);
  });
  // labels come from a verifier run
  await runVerifier({ dataset: HOSTILE });
  await runVerifier({ dataset: "legacy-urls" });
});

function readRows(dir: string): Array<Record<string, unknown>> {
  const data = path.join(dir, "data");
  return fs.readdirSync(data).filter((f) => f.endsWith(".jsonl")).flatMap((f) => fs.readFileSync(path.join(data, f), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
}

describe("export safety", () => {
  it(`the card of a dataset named ${JSON.stringify(HOSTILE)} renders inert`, async () => {
    const dir = out("card");
    await runExport({ config: { datasets: [HOSTILE], format: "kto", images: "none", name: HOSTILE }, out: dir });
    const card = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    expect(card).not.toContain("<script");
    expect(card).not.toContain("](javascript:");
    const [, front, body] = card.split(/^---$/m);
    const pretty = /^pretty_name: (.*)$/m.exec(front)![1];
    expect(JSON.parse(pretty)).toBe(HOSTILE); // a YAML double-quoted scalar is a JSON string
    // headings: only the card's own (the name never starts one)
    // (outside fenced code: the card's loading snippet has Python comments)
    const prose = body.replace(/^```[\s\S]*?^```$/gm, "");
    const headings = prose.split("\n").filter((l) => /^#{1,6} /.test(l));
    expect(headings[0]).toBe("# x # &lt;script&gt;alert(1)&lt;/script&gt; \\| \\[a\\]\\(javascript:b)");
    expect(headings.slice(1).filter((h) => !/^## [A-Z]/.test(h))).toEqual([]);
    // every table row has as many unescaped cell separators as its header
    const tables = body.split("\n\n").filter((block) => block.startsWith("| "));
    for (const table of tables) {
      const cells = table.split("\n").map((row) => row.replace(/\\\|/g, "").split("|").length);
      expect(new Set(cells).size, table).toBe(1);
    }
    expect(card).toContain(`datasets: "x # &lt;script&gt;`);
  });

  it("exported image_url is only http(s) or a relative file name; legacy javascript:, file:, absolute and ../ references are left out", async () => {
    const dir = out("urls");
    await runExport({ config: { datasets: ["legacy-urls"], format: "openai", images: "reference" }, out: dir });
    const urls = readRows(dir).flatMap((row) =>
      (row.messages as Array<{ content: unknown }>).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((p: { type: string }) => p.type === "image_url").map((p: { image_url: { url: string } }) => p.image_url.url),
    );
    expect(urls.length).toBeGreaterThan(0);
    expect([...new Set(urls)].sort()).toEqual(["https://ok.example/f.png", "a.png", "b.png"].sort());
    const kto = out("kto");
    await runExport({ config: { datasets: ["legacy-urls"], format: "kto", images: "reference" }, out: kto });
    const refs = readRows(kto).flatMap((row) => (row.images as string[] | undefined) ?? []);
    expect(refs.every((r) => safeImageReference(r))).toBe(true);
    expect(refs.join(" ")).not.toMatch(/javascript:|file:|\/etc\/|\.\.\//);
  });

  it("safeImageReference", () => {
    for (const ok of ["a.png", "images/ab/c.png", "https://x.org/a.png", "http://127.0.0.1:8000/a.png"]) expect(safeImageReference(ok)).toBe(true);
    for (const bad of ["javascript:alert(1)", "file:///etc/passwd", "/etc/passwd", "../a.png", "a/../../b.png", "//evil/x.png", "data:image/png;base64,AA", "C:\\x.png", "\\\\server\\share.png", " a.png", "a\nb.png", ""]) {
      expect(safeImageReference(bad), bad).toBe(false);
    }
  });

  it("imageBaseUrl must be http(s)", async () => {
    await expect(runExport({ config: { datasets: ["legacy-urls"], format: "openai", images: "copy", imageBaseUrl: "javascript:alert(1)//" }, out: out("base") })).rejects.toMatchObject({ code: "invalid_input" });
  });
});
