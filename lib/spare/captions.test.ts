import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { readCaptions } from "@/lib/spare/captions";

const read = (text: string | Buffer) => readCaptions("c.jsonl", Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8"));

describe("caption readers", () => {
  it("reads the IIW, DOCCI and Localized-Narratives fixtures with their sources and provenance", () => {
    const docci = readCaptions("docci.jsonl", fs.readFileSync("fixtures/spare/docci_test_iiw_sxs_first30.jsonl"));
    expect(docci.errors).toEqual([]);
    expect(docci.captions).toHaveLength(60);
    expect(docci.captions[0]).toMatchObject({ source: "iiw", image: "test_00731", file: "docci.jsonl", line: 1, field: "IIW" });
    expect(docci.captions[1]).toMatchObject({ source: "docci", image: "test_00731", line: 1, field: "DOCCI" });
    const iiw = readCaptions("iiw.jsonl", fs.readFileSync("fixtures/spare/iiw400_first30.jsonl"));
    expect(iiw.captions).toHaveLength(60);
    expect(new Set(iiw.captions.map((c) => c.source))).toEqual(new Set(["iiw", "iiw-p5b"]));
    const locnar = readCaptions("ln.jsonl", fs.readFileSync("fixtures/spare/locnar_eval_iiw_p5b_first20.jsonl"));
    expect(locnar.captions).toHaveLength(20);
    expect(locnar.captions[0]).toMatchObject({ source: "iiw-p5b", image: "0001eeaf4aed83f9" });
  });

  it("reads Localized Narratives, PixMo-Cap and plain records", () => {
    const result = read(
      [
        JSON.stringify({ dataset_id: "open_images", image_id: "abc", annotator_id: 3, caption: "In this picture we can see a dog on the grass." }),
        JSON.stringify({ image_id: "def", utterances: ["In front", { utterance: "there is a car" }] }),
        JSON.stringify({ image_url: "https://example.org/a.jpg", caption: "A cup on a table." }),
        JSON.stringify({ image_url: "https://example.org/b.jpg", transcripts: ["a bowl", "beside a spoon"] }),
        JSON.stringify({ image: "x.png", caption: "A box under a bed." }),
        JSON.stringify({ caption: "No image here." }),
        "",
      ].join("\n"),
    );
    expect(result.errors).toEqual([]);
    expect(result.captions.map((c) => [c.source, c.image, c.text, c.field])).toEqual([
      ["localized-narratives", "abc", "In this picture we can see a dog on the grass.", "caption"],
      ["localized-narratives", "def", "In front there is a car", "utterances"],
      ["pixmo-cap", "https://example.org/a.jpg", "A cup on a table.", "caption"],
      ["pixmo-cap", "https://example.org/b.jpg", "a bowl beside a spoon", "transcripts"],
      ["plain", "x.png", "A box under a bed.", "caption"],
      ["plain", null, "No image here.", "caption"],
    ]);
  });

  it("reports every bad line with file, line and path, and returns nothing", () => {
    const result = read(
      [
        JSON.stringify({ image: "a", caption: "fine" }),
        JSON.stringify({ image: "b", caption: "   " }),
        "{not json",
        JSON.stringify({ image: "c", text: "no caption field" }),
        JSON.stringify({ image_url: "u" }),
        JSON.stringify({ image: "d", caption: 42 }),
        JSON.stringify([1, 2]),
        JSON.stringify({ DOCCI: "", image: "e" }),
        JSON.stringify({ caption: "bad \uFFFD text" }),
      ].join("\n"),
    );
    expect(result.captions).toEqual([]);
    expect(result.errors.map((e) => `${e.file}:${e.line} ${e.path}`)).toEqual([
      "c.jsonl:2 $.caption",
      "c.jsonl:3 $",
      "c.jsonl:4 $",
      "c.jsonl:5 $.caption",
      "c.jsonl:6 $.caption",
      "c.jsonl:7 $",
      "c.jsonl:8 $.DOCCI",
      "c.jsonl:9 $.caption",
    ]);
    expect(result.errors[0].error).toBe("empty caption");
  });

  it("refuses wrong encodings naming the line", () => {
    const latin1 = Buffer.concat([Buffer.from('{"caption": "ok"}\n{"caption": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    expect(read(latin1).errors).toEqual([{ file: "c.jsonl", line: 2, path: "$", error: expect.stringMatching(/UTF-8/) }]);
    const utf16 = Buffer.from(`\ufeff${JSON.stringify({ caption: "x" })}`, "utf16le");
    expect(read(utf16).errors[0].error).toMatch(/UTF-16/);
    expect(read(Buffer.from(`\ufeff${JSON.stringify({ caption: "with a BOM" })}`, "utf8")).captions).toHaveLength(1);
  });

  it("an empty file or one with no caption format is an error, and repeated captions are kept once", () => {
    expect(read("").errors[0].error).toMatch(/no captions/);
    expect(read("\n\n").errors).toHaveLength(1);
    const twice = read(`${JSON.stringify({ image: "a", caption: "same" })}\n${JSON.stringify({ image: "a", caption: "same" })}`);
    expect(twice.captions).toHaveLength(1);
    expect(twice.duplicates).toBe(1);
  });
});
