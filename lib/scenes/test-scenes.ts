import type { Scene, SceneObject } from "@/lib/scenes/model";

// Small photo scenes for tests.

// A living room photo (640×480) as a `boxes` scene: two chairs either side of a table, a lamp
// hanging straight above the table (horizontally inside the ambiguity margin), a cup on it.
export const photoObject = (index: number, category: string, box: [number, number, number, number], attributes: Record<string, string[]> = {}): SceneObject => ({
  index, color: "", size: "", shape: "", material: "", coords3d: null, pixel: null, box, boxSource: "human", category, attributes,
});

export const livingRoom: Scene = {
  kind: "boxes",
  name: "room.jpg",
  width: 640,
  height: 480,
  relationships: {},
  objects: [
    photoObject(0, "chair", [50, 200, 100, 150], { color: ["brown"], material: ["wooden"] }),
    photoObject(1, "dining table", [250, 220, 200, 120], { material: ["wooden"] }),
    photoObject(2, "armchair", [480, 210, 100, 150], { color: ["white"] }),
    photoObject(3, "lamp", [330, 40, 60, 120]),
    photoObject(4, "cup", [340, 230, 30, 30], { color: ["white"] }),
  ],
};

