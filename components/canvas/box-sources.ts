// Box layers by source (docs/design.md §2): one colour and one toggle per layer.

export const BOX_LAYERS = [
  { key: "ground_truth", label: "Ground truth", color: "#16a34a" },
  { key: "derived", label: "Derived (scene)", color: "#f59e0b" },
  { key: "detector", label: "Detector", color: "#0ea5e9" },
  { key: "human", label: "Human", color: "#d946ef" },
] as const;

export type BoxLayerKey = (typeof BOX_LAYERS)[number]["key"];

export function layerOf(source: string): BoxLayerKey {
  if (source === "ground_truth" || source === "derived" || source === "human") return source;
  return "detector";
}

export const HIGHLIGHT = "#ef4444";
export const CENTRE = "#ffffff";
