import { photoSceneType } from "@/lib/scenes/photo";

// `boxes`: a photo with labelled boxes (COCO ground truth, IIW boxes, detector output, boxes people
// draw in the review canvas). Every relation is derived from geometry with the ambiguity margin;
// relations geometry cannot give ("wearing") are undecided (docs/design.md §3).
export const boxesScene = photoSceneType("boxes", "photo with labelled boxes: relations from geometry", false);
