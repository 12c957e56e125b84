import { photoSceneType } from "@/lib/scenes/photo";

// `graph`: a photo with a scene graph (GQA / Visual Genome): objects with boxes, categories and
// attributes, relations given by the graph's edges; geometric relations the graph does not state
// are derived from the boxes with the ambiguity margin (docs/design.md §3).
export const graphScene = photoSceneType("graph", "photo with a scene graph: given relations and attributes, geometry for the rest", true);
