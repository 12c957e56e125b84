import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { inlineImageName, readImageUrl } from "@/lib/formats/inline-image";

const png = fs.readFileSync("prisma/demo/clevr/CLEVR_train_000781.png");

describe("image urls in messages", () => {
  it("a data: URI and the same bytes as bare base64 (AutoGen's way) are one inline image named by content", () => {
    const fromUri = readImageUrl(`data:image/png;base64,${png.toString("base64")}`);
    const bare = readImageUrl(png.toString("base64"));
    expect(fromUri).toMatchObject({ kind: "inline", info: { width: 480, height: 320, mime: "image/png", ext: "png" } });
    expect(bare).toMatchObject({ kind: "inline", name: (fromUri as { name: string }).name });
    expect((fromUri as { name: string }).name).toMatch(/^[0-9a-f]{16}\.png$/);
    expect(inlineImageName("ab".repeat(32), "jpg")).toBe("abababababababab.jpg");
  });

  it("base64 that is not an image, or a data: URI that is not base64, is invalid with the reason", () => {
    const text = Buffer.from("a text file sent where a picture was expected, long enough to look like base64").toString("base64");
    expect(readImageUrl(`data:image/png;base64,${text}`)).toMatchObject({ kind: "invalid", error: expect.stringMatching(/^data: URI \(image\/png\) is not a PNG, JPEG, GIF or WebP image \(\d+ bytes starting "a text f"\)$/) });
    expect(readImageUrl(text)).toMatchObject({ kind: "invalid", error: expect.stringMatching(/^base64 image data is not a PNG/) });
    expect(readImageUrl("data:image/svg+xml,<svg/>")).toMatchObject({ kind: "invalid", error: 'data: URI of type "image/svg+xml" is not base64-encoded image data' });
    expect(readImageUrl("data:image/png;base64,@@@")).toMatchObject({ kind: "invalid", error: "data: URI whose payload is not valid base64" });
  });

  it("URLs stay URLs; paths become their file name", () => {
    expect(readImageUrl("https://example.org/a/b.jpg")).toEqual({ kind: "name", name: "https://example.org/a/b.jpg" });
    expect(readImageUrl("/Users/someone/Sketchpad/tasks/vstar/sa_46221.jpg")).toEqual({ kind: "name", name: "sa_46221.jpg" });
    expect(readImageUrl("file:///data/CLEVR_train_000781.png")).toEqual({ kind: "name", name: "CLEVR_train_000781.png" });
    expect(readImageUrl("CLEVR_train_000781.png")).toEqual({ kind: "name", name: "CLEVR_train_000781.png" });
  });
});
