import { describe, expect, it } from "vitest";
import { declaredTools, readCell, type CellContext } from "@/lib/formats/python-cell";

const context = (declared: Record<string, string[]> = {}): CellContext => ({ declared: new Map(Object.entries(declared)), local: new Set() });
const shape = (code: string, ctx = context()) => readCell(code, ctx).map((s) => (s.kind === "call" ? { call: s.tool, args: s.args } : { code: s.source }));

describe("Python cells → steps", () => {
  it("reads a registry tool called with keyword, positional and mixed literal arguments", () => {
    expect(shape('relate(object="obj_1", relation="left")')).toEqual([{ call: "relate", args: { object: "obj_1", relation: "left" } }]);
    expect(shape("filter(['obj_1', \"obj_2\"], 'shape', value='cube')")).toEqual([{ call: "filter", args: { objects: ["obj_1", "obj_2"], attribute: "shape", value: "cube" } }]);
    expect(shape("count((obj_0, obj_3,))")).toEqual([{ call: "count", args: { objects: ["obj_0", "obj_3"] } }]);
  });

  it("reads Python literals: numbers, True / False / None, dicts, sets, escapes, adjacent strings", () => {
    expect(shape("tool_x(-1, 2.5e3, 0x1F, 1_000, True, False, None, {'a': (1, 2)}, {3, 4}, 'it\\'s', r'\\d', 'a' \"b\")")).toEqual([
      { call: "tool_x", args: { arg0: -1, arg1: 2500, arg2: 31, arg3: 1000, arg4: true, arg5: false, arg6: null, arg7: { a: [1, 2] }, arg8: [3, 4], arg9: "it's", arg10: "\\d", arg11: "ab" } },
    ]);
  });

  it("uses the parameter names the log declares before the registry's", () => {
    const ctx = context({ detect: ["image", "query"] });
    expect(shape('detect(image_1, "red sphere")', ctx)).toEqual([{ call: "detect", args: { image: "image_1", query: "red sphere" } }]);
    expect(shape('detect("red sphere")')).toEqual([{ call: "detect", args: { query: "red sphere" } }]);
  });

  it("a call assigned, printed or displayed is still the call; its echo belongs to it", () => {
    const steps = readCell("# find it\nseg, boxes = segment_and_mark(image_1)\ndisplay(seg.annotated_image)\nprint(boxes[0])", context());
    expect(steps).toEqual([{ kind: "call", tool: "segment_and_mark", args: { arg0: "image_1" }, source: "# find it\nseg, boxes = segment_and_mark(image_1)\ndisplay(seg.annotated_image)\nprint(boxes[0])" }]);
    expect(shape("print(count(objects=['obj_0']))")).toEqual([{ call: "count", args: { objects: ["obj_0"] } }]);
  });

  it("keeps computed arguments, method calls, builtins, constructors and the agent's own functions as code", () => {
    for (const code of ['detect(f"red {shape}")', "relate(boxes[0], 'left')", "relate(x.id, 'left')", "count(len(a))", 'plt.show()', "print(x)", "Image.open('a.png')", "AnnotatedImage(img)", "detect('a') + detect('b')", "x += relate('obj_1', 'left')"]) {
      expect(shape(code), code).toEqual([{ code }]);
    }
    expect(shape("def helper(x):\n    return x\nhelper('obj_1')")).toEqual([{ code: "def helper(x):\n    return x\nhelper('obj_1')" }]);
    expect(shape("from mylib import measure\nmeasure('obj_1')")).toEqual([{ code: "from mylib import measure\nmeasure('obj_1')" }]);
  });

  it("splits a cell into calls and runs of code, loops and blocks whole", () => {
    const code = [
      "import numpy as np",
      "patches = sliding_window_detection(image_1, ['animal', 'sign'])",
      "for i, patch in enumerate(patches):",
      "    print(f'Patch {i}:')",
      "    display(patch.annotated_image)",
      "else:",
      "    pass",
      "zoom_in_image_by_bbox(image_1, [0.1, 0.2, 0.3, 0.4], padding=0.1)",
    ].join("\n");
    expect(shape(code, context({ zoom_in_image_by_bbox: ["image", "box", "padding"] }))).toEqual([
      { code: "import numpy as np" },
      { call: "sliding_window_detection", args: { arg0: "image_1", arg1: ["animal", "sign"] } },
      { code: "for i, patch in enumerate(patches):\n    print(f'Patch {i}:')\n    display(patch.annotated_image)\nelse:\n    pass" },
      { call: "zoom_in_image_by_bbox", args: { image: "image_1", box: [0.1, 0.2, 0.3, 0.4], padding: 0.1 } },
    ]);
  });

  it("follows statements over several lines: brackets, triple-quoted strings, backslashes, comments", () => {
    expect(shape('detect(\n    query="cube",  # the cubes\n)')).toEqual([{ call: "detect", args: { query: "cube" } }]);
    expect(shape('tool_y("""two\nlines""")')).toEqual([{ call: "tool_y", args: { arg0: "two\nlines" } }]);
    expect(shape("x = 1 + \\\n    2\nrelate('obj_1', 'left')")).toEqual([{ code: "x = 1 + \\\n    2" }, { call: "relate", args: { object: "obj_1", relation: "left" } }]);
    expect(shape("# only a comment\n\n")).toEqual([]);
  });

  it("an indented cell (copied from inside a block) reads as if dedented", () => {
    expect(shape("    relate('obj_1', 'left')\n    x = 2")).toEqual([{ call: "relate", args: { object: "obj_1", relation: "left" } }, { code: "    x = 2" }]);
  });
});

describe("literal arguments only", () => {
  it("a call passing a variable the code assigned (this cell or an earlier one) stays code; unquoted ids do not", () => {
    const ctx: CellContext = { declared: new Map(), local: new Set(), variables: new Set() };
    expect(shape("cars = detect('car')\nrelate(cars, 'left')", ctx)).toEqual([{ call: "detect", args: { query: "car" } }, { code: "relate(cars, 'left')" }]);
    expect(shape("count([obj_0, obj_3])", ctx)).toEqual([{ call: "count", args: { objects: ["obj_0", "obj_3"] } }]);
    // an earlier cell's loop variable and with-alias count too
    readCell("for box in boxes:\n    pass\nwith open('a') as fh:\n    pass", ctx);
    expect(shape("relate(box, 'left')", ctx)).toEqual([{ code: "relate(box, 'left')" }]);
    expect(ctx.variables).toEqual(new Set(["cars", "box", "fh"]));
  });

  it("the image variable is left out of a registry tool's args (it runs on the trace's image), kept for declared and unknown tools", () => {
    const ctx: CellContext = { declared: new Map([["detection", ["image", "objects"]]]), local: new Set(), variables: new Set(["image_1_boxed"]) };
    expect(shape('detect(image, "red balloon")', ctx)).toEqual([{ call: "detect", args: { query: "red balloon" } }]);
    expect(shape("detect(image=img, query='car')", ctx)).toEqual([{ call: "detect", args: { query: "car" } }]);
    expect(shape("detection(image_1_boxed, ['mug'])", ctx)).toEqual([{ call: "detection", args: { image: "image_1_boxed", objects: ["mug"] } }]);
    expect(shape("segment_and_mark(image_1)", ctx)).toEqual([{ call: "segment_and_mark", args: { arg0: "image_1" } }]);
  });
});

describe("declared tools", () => {
  it("reads signatures listed with a description, but not example calls", () => {
    const tools = declaredTools(["Tools:", "- detection(image, objects: list[str]): returns boxes", "2. crop_box(image, box, padding=0.1) -> Image", "`depth(image)` — a depth map", "detection(image_1, ['cat'])", 'ocr("sign"): example', "print(x): no"].join("\n"));
    expect(Object.fromEntries(tools)).toEqual({ detection: ["image", "objects"], crop_box: ["image", "box", "padding"], depth: ["image"] });
  });

  it("reads def signatures from a prompt's documentation: defaults, annotations, *args end the list, self skipped", () => {
    const tools = declaredTools(
      ["```python", "class AnnotatedImage:", "    def __init__(self, annotated_image, original_image=None):", "def detection(image, objects):", 'def segment_and_mark(image, anno_mode:list = ["Mask", "Mark"]):', "def overlay(a, b, *rest, alpha=0.3):", "```"].join("\n"),
    );
    expect(Object.fromEntries(tools)).toEqual({ detection: ["image", "objects"], segment_and_mark: ["image", "anno_mode"], overlay: ["a", "b"] });
  });
});
