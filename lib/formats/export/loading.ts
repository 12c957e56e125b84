// The card's "Loading" lines (Python) shared by formats; a format picks them as `card.loadImages`.

/**
 * TRL chat formats: `arguments` and `tools` are JSON text (objects would come back from Arrow with
 * every other tool's keys as null); parse them inside the function that renders the template, so
 * the parsed objects never go back through Arrow.
 */
export const TRL_LOAD_CHAT = (messages: string) => [
  "",
  "# `arguments` and `tools` are JSON text: as objects, Arrow would merge every tool's arguments",
  "# into one struct and give each call the other tools' keys as null. Parse them where the chat",
  "# template is applied (not in a ds.map that returns them, which would merge them again):",
  "import json",
  "def chat(row, tokenizer):",
  `    messages = [dict(m) for m in ${messages}]`,
  "    for m in messages:",
  "        m[\"tool_calls\"] = [{**c, \"function\": {**c[\"function\"], \"arguments\": json.loads(c[\"function\"][\"arguments\"])}} for c in (m.get(\"tool_calls\") or [])] or None",
  "    return tokenizer.apply_chat_template(messages, tools=json.loads(row[\"tools\"]), tokenize=False)",
  "# templates that take `arguments` as a string (Qwen-style) can use the rows as they are",
];

/** Formats with a TRL `images` column (a list of paths under images/): decode it as PIL images. */
export const TRL_LOAD_IMAGES = [
  "# images are stored under images/; to decode them as PIL images:",
  "from datasets import Image, Sequence",
  "root = \"path/to/this/folder\"",
  "ds = ds.map(lambda r: {\"images\": [f\"{root}/{p}\" for p in r[\"images\"]]}).cast_column(\"images\", Sequence(Image()))",
];
