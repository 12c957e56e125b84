"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { Circle, Group, Image as KonvaImage, Layer, Rect, Stage, Text } from "react-konva";
import { BOX_LAYERS, CENTRE, HIGHLIGHT, layerOf, type BoxLayerKey } from "@/components/canvas/box-sources";
import { useHtmlImage } from "@/components/canvas/use-html-image";
import type { BoxDto, SceneObjectDto } from "@/lib/schemas/traces";

// The image with its boxes, one group per box source, and the scene's object centres.
// Geometry stays in original-image pixels; the stage's scale maps it to the display width.

export interface TraceCanvasProps {
  imageUrl: string | null;
  width: number;
  height: number;
  boxes: BoxDto[];
  objects: SceneObjectDto[];
  highlighted: number[];
  onObjectClick?: (objectIndex: number) => void;
}

function useContainerWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export default function TraceCanvas({ imageUrl, width, height, boxes, objects, highlighted, onObjectClick }: TraceCanvasProps) {
  const [containerRef, containerWidth] = useContainerWidth<HTMLDivElement>();
  const { image, status } = useHtmlImage(imageUrl);
  const [visible, setVisible] = useState<Record<BoxLayerKey, boolean>>({ ground_truth: true, derived: true, detector: true, human: true });
  const [showCentres, setShowCentres] = useState(true);
  const highlightSet = useMemo(() => new Set(highlighted), [highlighted]);
  const scale = containerWidth > 0 ? containerWidth / width : 1;
  const counts = useMemo(() => {
    const result: Record<BoxLayerKey, number> = { ground_truth: 0, derived: 0, detector: 0, human: 0 };
    for (const box of boxes) result[layerOf(box.source)]++;
    return result;
  }, [boxes]);
  const markers = objects.filter((o) => o.px !== null && o.py !== null);

  return (
    <div className="space-y-2">
      <div
        ref={containerRef}
        data-testid="trace-canvas"
        data-object-markers={markers.length}
        data-box-count={boxes.length}
        data-highlighted={[...highlightSet].sort((a, b) => a - b).join(",")}
        data-image-status={status}
        className="relative w-full overflow-hidden rounded-lg border border-slate-200 bg-slate-900"
        style={{ aspectRatio: `${width} / ${height}` }}
      >
        {containerWidth > 0 ? (
          <Stage width={containerWidth} height={Math.round(height * scale)} scaleX={scale} scaleY={scale}>
            <Layer listening={false} name="image-layer">
              {image ? (
                <KonvaImage image={image} width={width} height={height} />
              ) : (
                <>
                  <Rect width={width} height={height} fill="#1e293b" />
                  <Text
                    text={status === "loading" ? "Loading image…" : "Image not available"}
                    width={width}
                    y={height / 2 - 10}
                    align="center"
                    fontSize={Math.max(12, width / 30)}
                    fill="#94a3b8"
                  />
                </>
              )}
            </Layer>
            <Layer name="annotation-layer">
              {BOX_LAYERS.map((layer) => (
                <Group key={layer.key} name={`boxes-${layer.key}`} visible={visible[layer.key]}>
                  {boxes.filter((b) => layerOf(b.source) === layer.key).map((b) => {
                    const isHighlighted = b.objectIndex !== null && highlightSet.has(b.objectIndex);
                    return (
                      <Group key={b.id} name="box" id={`box-${b.id}`} onClick={() => b.objectIndex !== null && onObjectClick?.(b.objectIndex)}>
                        <Rect
                          x={b.x} y={b.y} width={b.w} height={b.h}
                          stroke={isHighlighted ? HIGHLIGHT : layer.color}
                          strokeWidth={(isHighlighted ? 3 : 1.5) / scale}
                          fill={isHighlighted ? "rgba(239,68,68,0.15)" : "rgba(0,0,0,0.01)"}
                          dash={layer.key === "derived" ? [6 / scale, 4 / scale] : undefined}
                        />
                        {b.objectIndex !== null ? (
                          <Text x={b.x + 2 / scale} y={b.y + 2 / scale} text={`obj_${b.objectIndex}`} fontSize={11 / scale} fill={isHighlighted ? HIGHLIGHT : layer.color} listening={false} />
                        ) : b.label ? (
                          <Text x={b.x + 2 / scale} y={b.y + 2 / scale} text={b.label} fontSize={11 / scale} fill={layer.color} listening={false} />
                        ) : null}
                      </Group>
                    );
                  })}
                </Group>
              ))}
              <Group name="object-centres" visible={showCentres}>
                {markers.map((o) => (
                  <Circle
                    key={o.index}
                    name="object-marker"
                    id={`object-${o.index}`}
                    x={o.px ?? 0}
                    y={o.py ?? 0}
                    radius={(highlightSet.has(o.index) ? 5 : 3.5) / scale}
                    fill={highlightSet.has(o.index) ? HIGHLIGHT : CENTRE}
                    stroke="#0f172a"
                    strokeWidth={1 / scale}
                    onClick={() => onObjectClick?.(o.index)}
                  />
                ))}
              </Group>
            </Layer>
          </Stage>
        ) : null}
      </div>
      <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600">
        <legend className="sr-only">Layers</legend>
        {BOX_LAYERS.map((layer) => (
          <label key={layer.key} className="inline-flex items-center gap-1.5">
            <input
              type="checkbox"
              checked={visible[layer.key]}
              onChange={(e) => setVisible((v) => ({ ...v, [layer.key]: e.target.checked }))}
              aria-label={`${layer.label} boxes`}
            />
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: layer.color }} />
            {layer.label} <span className="text-slate-400">({counts[layer.key]})</span>
          </label>
        ))}
        <label className="inline-flex items-center gap-1.5">
          <input type="checkbox" checked={showCentres} onChange={(e) => setShowCentres(e.target.checked)} aria-label="Object centres" />
          <span className="inline-block h-2.5 w-2.5 rounded-full border border-slate-500 bg-white" />
          Object centres <span className="text-slate-400">({markers.length})</span>
        </label>
      </fieldset>
    </div>
  );
}
