import { describe, expect, it } from "vitest";
import { mdCode, mdName, mdText, yamlString } from "@/lib/formats/export/markdown";

// What someone can name (datasets, exports, configs, label sources) stays text in the card.

const HOSTILE = "x\n# <script>alert(1)</script> | [a](javascript:b)";

describe("card escaping", () => {
  it("mdText: one line, no tag, no link, no table cell break, no emphasis or code", () => {
    const text = mdText(HOSTILE);
    expect(text).not.toMatch(/[\n\r]/);
    expect(text).not.toContain("<");
    expect(text).not.toMatch(/(^|[^\\])\|/);
    expect(text).not.toMatch(/(^|[^\\])\[/);
    expect(text).toBe("x # &lt;script&gt;alert(1)&lt;/script&gt; \\| \\[a\\]\\(javascript:b)");
    expect(mdText("a_b*c`d\\e")).toBe("a\\_b\\*c\\`d\\\\e");
    expect(mdText("line\u2028sep\rcr\u0000nul")).toBe("line sep cr nul");
    expect(mdText("<!-- hide -->&amp;")).toBe("&lt;!-- hide --&gt;&amp;amp;");
  });

  it("mdCode: the fence outgrows backticks inside; mdName quotes anything that is not a plain name", () => {
    expect(mdCode("plain")).toBe("`plain`");
    expect(mdCode("a`b")).toBe("`` a`b ``");
    expect(mdCode("a``b\nc")).toBe("``` a``b c ```");
    expect(mdName("canonical-781")).toBe("`canonical-781`");
    expect(mdName(HOSTILE)).toBe(`"${mdText(HOSTILE)}"`);
  });

  it("yamlString: a double-quoted scalar with line breaks and separators escaped", () => {
    expect(yamlString(HOSTILE)).toBe('"x\\n# \\u003cscript\\u003ealert\\u00281\\u0029\\u003c/script\\u003e | \\u005ba\\u005d\\u0028javascript:b\\u0029"');
    expect(JSON.parse(yamlString(HOSTILE))).toBe(HOSTILE);
    expect(yamlString("a\u2028b")).toBe('"a\\u2028b"');
    expect(yamlString('say "hi"')).toBe('"say \\"hi\\""');
  });
});
