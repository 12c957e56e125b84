// The card's "Loading" lines (Python) shared by formats; a format picks them as `card.loadImages`.

/** Formats with a TRL `images` column (a list of paths under images/): decode it as PIL images. */
export const TRL_LOAD_IMAGES = [
  "# images are stored under images/; to decode them as PIL images:",
  "from datasets import Image, Sequence",
  "root = \"path/to/this/folder\"",
  "ds = ds.map(lambda r: {\"images\": [f\"{root}/{p}\" for p in r[\"images\"]]}).cast_column(\"images\", Sequence(Image()))",
];
