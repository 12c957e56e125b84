"use client";

import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Arrow, Circle, Group, Image as KonvaImage, Label, Layer, Rect, Stage, Tag, Text, Transformer } from "react-konva";
import type Konva from "konva";
import type { KonvaEventObject } from "konva/lib/Node";
import { BOX_LAYERS, CENTRE, HIGHLIGHT, layerOf, type BoxLayerKey } from "@/components/canvas/box-sources";
import { BoxShape } from "@/components/canvas/box-shape";
import { draftRect, objectCentres, zoomAround, type Point, type RelationArrow } from "@/components/canvas/geometry";
import { useHtmlImage } from "@/components/canvas/use-html-image";
import { useShortcuts } from "@/components/ui/use-shortcuts";
import type { BoxDto, SceneObjectDto } from "@/lib/schemas/traces";

// The image with its boxes (one group per source), object centres, and the relation arrows of the
// focused step. Geometry stays in original-image pixels; the stage transform (fit × zoom, pan)
// maps it to the screen. State the tests read is mirrored in data-* attributes on the container.

export type Geometry = { x: number; y: number; w: number; h: number };

export interface TraceCanvasProps {
  imageUrl: string | null;
  width: number;
  height: number;
  boxes: BoxDto[];
  objects: SceneObjectDto[];
  highlighted: number[];
  arrows?: RelationArrow[];
  selectedObject?: number | null;
  onObjectClick?: (objectIndex: number) => void;
  /** Human boxes can be drawn and edited when set. */
  onBoxCreate?: (geometry: Geometry) => void;
  onBoxChange?: (box: BoxDto, geometry: Geometry) => void;
  onBoxDelete?: (box: BoxDto) => void;
  /**
   * Photos: the ambiguity margin (a fraction of the image size, docs/design.md §3) drawn as a band
   * around the reference object's centre of each left / right / above / below arrow.
   */
  margin?: number;
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

const MAX_ZOOM = 8;
/** Relations decided by comparing centres along one axis: the ones with an ambiguity margin band. */
const MARGIN_RELATIONS = new Set(["left", "right", "above", "below"]);

const RELATION_WORDS: Record<string, string> = { left: "left of", right: "right of", front: "in front of", behind: "behind" };

export default function TraceCanvas(props: TraceCanvasProps) {
  const { imageUrl, width, height, boxes, objects, highlighted, arrows = [], selectedObject = null, onObjectClick, onBoxCreate, onBoxChange, onBoxDelete, margin } = props;
  const [containerRef, containerWidth] = useContainerWidth<HTMLDivElement>();
  const { image, status } = useHtmlImage(imageUrl);
  const stageRef = useRef<Konva.Stage>(null);
  const transformerRef = useRef<Konva.Transformer>(null);
  const [visible, setVisible] = useState<Record<BoxLayerKey, boolean>>({ ground_truth: true, derived: true, detector: true, human: true });
  const [showCentres, setShowCentres] = useState(true);
  const [zoom, setZoom] = useState({ scale: 1, x: 0, y: 0 }); // relative to fit
  const [drawing, setDrawing] = useState(false);
  const [draft, setDraft] = useState<{ start: Point; end: Point } | null>(null);
  const [selectedBox, setSelectedBox] = useState<number | null>(null);
  const editable = Boolean(onBoxCreate || onBoxChange);

  const fit = containerWidth > 0 ? containerWidth / width : 1;
  const scale = fit * zoom.scale;
  const inverseScale = 1 / scale;
  const highlightSet = useMemo(() => new Set(highlighted), [highlighted]);
  const centres = useMemo(() => objectCentres(boxes, objects), [boxes, objects]);
  const draftBox = draft ? draftRect(draft) : null;
  const markers = objects.filter((o) => o.px !== null && o.py !== null);
  const highlightedBoxes = useMemo(
    () => boxes.filter((b) => b.objectIndex !== null && highlightSet.has(b.objectIndex) && visible[layerOf(b.source)]),
    [boxes, highlightSet, visible],
  );
  const byLayer = useMemo(() => {
    const groups: Record<BoxLayerKey, BoxDto[]> = { ground_truth: [], derived: [], detector: [], human: [] };
    for (const box of boxes) groups[layerOf(box.source)].push(box);
    return groups;
  }, [boxes]);

  // Attach the transformer to the selected human box.
  useEffect(() => {
    const transformer = transformerRef.current;
    if (!transformer) return;
    const node = selectedBox !== null ? stageRef.current?.findOne(`#box-${selectedBox}`) : null;
    transformer.nodes(node ? [node] : []);
    transformer.getLayer()?.batchDraw();
  }, [selectedBox, boxes]);

  const toImage = useCallback((pointer: Point): Point => ({ x: (pointer.x - zoom.x) / scale, y: (pointer.y - zoom.y) / scale }), [zoom.x, zoom.y, scale]);

  const onWheel = (event: KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const pointer = stageRef.current?.getPointerPosition();
    if (!pointer) return;
    const factor = event.evt.deltaY < 0 ? 1.15 : 1 / 1.15;
    const next = zoomAround({ scale, x: zoom.x, y: zoom.y }, pointer, factor, { min: fit, max: fit * MAX_ZOOM });
    setZoom({ scale: next.scale / fit, x: next.scale === fit ? 0 : next.x, y: next.scale === fit ? 0 : next.y });
  };

  const onBackgroundDown = (event: KonvaEventObject<MouseEvent>) => {
    const onBackground = event.target === event.target.getStage() || event.target.name() === "background";
    // drawing starts anywhere, also on another box: a photo's scene covers most of the image
    if (!onBackground && !drawing) return;
    setSelectedBox(null);
    if (!drawing) return;
    const pointer = stageRef.current?.getPointerPosition();
    if (pointer) setDraft({ start: toImage(pointer), end: toImage(pointer) });
  };
  const onMove = () => {
    if (!draft) return;
    const pointer = stageRef.current?.getPointerPosition();
    if (pointer) setDraft({ ...draft, end: toImage(pointer) });
  };
  const onUp = () => {
    if (!draftBox) return;
    const { x, y, w, h } = draftBox;
    setDraft(null);
    if (w >= 3 && h >= 3) onBoxCreate?.({ x, y, w, h });
  };

  const selectBox = useCallback((box: BoxDto) => {
    if (box.source === "human" && editable) setSelectedBox(box.id);
    if (box.objectIndex !== null) onObjectClick?.(box.objectIndex);
  }, [editable, onObjectClick]);
  const commitBox = useCallback((box: BoxDto, geometry: Geometry) => onBoxChange?.(box, geometry), [onBoxChange]);

  // Delete / Backspace (the keymap's deleteBox, lib/shortcuts.ts) removes the selected human box.
  useShortcuts("canvas", (command) => {
    if (command !== "deleteBox") return;
    const box = boxes.find((b) => b.id === selectedBox);
    if (box) onBoxDelete?.(box);
    setSelectedBox(null);
  }, { enabled: selectedBox !== null });

  const arrowShapes = arrows
    .map((arrow) => ({ arrow, from: centres.get(arrow.from), to: centres.get(arrow.to) }))
    .filter((a): a is { arrow: RelationArrow; from: Point; to: Point } => Boolean(a.from && a.to) && a.arrow.from !== a.arrow.to);

  return (
    <div className="space-y-2">
      <div
        ref={containerRef}
        data-testid="trace-canvas"
        data-object-markers={markers.length}
        data-box-count={boxes.length}
        data-human-boxes={byLayer.human.length}
        data-highlighted={[...highlightSet].sort((a, b) => a - b).join(",")}
        data-arrows={arrowShapes.map((a) => `${a.arrow.from}>${a.arrow.to}:${a.arrow.relation}`).join(" ")}
        data-margins={margin === undefined ? 0 : arrowShapes.filter((a) => MARGIN_RELATIONS.has(a.arrow.relation)).length}
        data-selected-object={selectedObject ?? ""}
        data-zoom={zoom.scale.toFixed(2)}
        data-image-status={status}
        data-stage-ready={containerWidth > 0}
        className={`relative w-full overflow-hidden rounded-lg border border-slate-200 bg-slate-900 ${drawing ? "cursor-crosshair" : ""}`}
        style={{ aspectRatio: `${width} / ${height}` }}
      >
        {containerWidth > 0 ? (
          <Stage
            ref={stageRef}
            width={containerWidth}
            height={Math.round(height * fit)}
            scaleX={scale}
            scaleY={scale}
            x={zoom.x}
            y={zoom.y}
            draggable={!drawing && zoom.scale > 1}
            onDragEnd={(e) => e.target === e.target.getStage() && setZoom((z) => ({ ...z, x: e.target.x(), y: e.target.y() }))}
            onWheel={onWheel}
            onMouseDown={onBackgroundDown}
            onMouseMove={onMove}
            onMouseUp={onUp}
          >
            <Layer listening={false} name="image-layer">
              {image ? (
                <KonvaImage image={image} width={width} height={height} />
              ) : (
                <>
                  <Rect width={width} height={height} fill="#1e293b" />
                  <Text text={status === "loading" ? "Loading image…" : "Image not available"} width={width} y={height / 2 - 10} align="center" fontSize={Math.max(12, width / 30)} fill="#94a3b8" />
                </>
              )}
            </Layer>
            <Layer name="annotation-layer">
              <Rect name="background" width={width} height={height} fill="rgba(0,0,0,0)" />
              <BoxGroups
                byLayer={byLayer}
                visible={visible}
                selectedBox={selectedBox}
                selectedObject={selectedObject}
                editable={editable}
                inverseScale={inverseScale}
                onSelect={selectBox}
                onCommit={commitBox}
              />
            </Layer>
            <Layer name="focus-layer">
              <Group name="highlighted-boxes" listening={false}>
                {highlightedBoxes.map((b) => (
                  <Rect key={b.id} name="highlight" x={b.x} y={b.y} width={b.w} height={b.h} stroke={HIGHLIGHT} strokeWidth={3 * inverseScale} fill="rgba(239,68,68,0.15)" perfectDrawEnabled={false} />
                ))}
              </Group>
              <Group name="object-centres" visible={showCentres}>
                {markers.map((o) => (
                  <Circle
                    key={o.index}
                    name="object-marker"
                    id={`object-${o.index}`}
                    x={o.px ?? 0}
                    y={o.py ?? 0}
                    radius={(highlightSet.has(o.index) ? 5 : 3.5) * inverseScale}
                    fill={highlightSet.has(o.index) ? HIGHLIGHT : CENTRE}
                    stroke="#0f172a"
                    strokeWidth={inverseScale}
                    onClick={() => onObjectClick?.(o.index)}
                  />
                ))}
              </Group>
              <Group name="relation-arrows" listening={false}>
                {arrowShapes.map(({ arrow, from, to }, i) => (
                  <Group key={`${arrow.from}-${arrow.to}-${arrow.relation}-${i}`}>
                    {margin !== undefined && (arrow.relation === "left" || arrow.relation === "right") ? (
                      <Rect name="relation-margin" x={to.x - margin * width} y={0} width={2 * margin * width} height={height} fill="rgba(250,204,21,0.15)" stroke="rgba(250,204,21,0.6)" strokeWidth={inverseScale} dash={[4 * inverseScale, 4 * inverseScale]} />
                    ) : null}
                    {margin !== undefined && (arrow.relation === "above" || arrow.relation === "below") ? (
                      <Rect name="relation-margin" x={0} y={to.y - margin * height} width={width} height={2 * margin * height} fill="rgba(250,204,21,0.15)" stroke="rgba(250,204,21,0.6)" strokeWidth={inverseScale} dash={[4 * inverseScale, 4 * inverseScale]} />
                    ) : null}
                    <Arrow
                      name="relation-arrow"
                      points={[from.x, from.y, to.x, to.y]}
                      stroke={arrow.holds ? "#facc15" : "#f97316"}
                      fill={arrow.holds ? "#facc15" : "#f97316"}
                      strokeWidth={2 * inverseScale}
                      pointerLength={8 * inverseScale}
                      pointerWidth={8 * inverseScale}
                      dash={arrow.holds ? undefined : [6 * inverseScale, 4 * inverseScale]}
                    />
                    <Label x={(from.x + to.x) / 2} y={(from.y + to.y) / 2}>
                      <Tag fill="rgba(15,23,42,0.8)" cornerRadius={3 * inverseScale} />
                      <Text text={`${arrow.holds ? "" : "not "}${RELATION_WORDS[arrow.relation] ?? arrow.relation}`} fontSize={11 * inverseScale} padding={2 * inverseScale} fill="#fde68a" />
                    </Label>
                  </Group>
                ))}
              </Group>
            </Layer>
            <Layer name="edit-layer">
              {draftBox ? (
                <Rect
                  x={draftBox.x}
                  y={draftBox.y}
                  width={draftBox.w}
                  height={draftBox.h}
                  stroke="#d946ef"
                  strokeWidth={2 * inverseScale}
                  dash={[4 * inverseScale, 3 * inverseScale]}
                  listening={false}
                />
              ) : null}
              {editable ? <Transformer ref={transformerRef} rotateEnabled={false} keepRatio={false} ignoreStroke /> : null}
            </Layer>
          </Stage>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600">
        <fieldset className="contents">
          <legend className="sr-only">Layers</legend>
          {BOX_LAYERS.map((layer) => (
            <label key={layer.key} className="inline-flex items-center gap-1.5">
              <input type="checkbox" checked={visible[layer.key]} onChange={(e) => setVisible((v) => ({ ...v, [layer.key]: e.target.checked }))} aria-label={`${layer.label} boxes`} />
              <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: layer.color }} />
              {layer.label} <span className="text-slate-400">({byLayer[layer.key].length})</span>
            </label>
          ))}
          <label className="inline-flex items-center gap-1.5">
            <input type="checkbox" checked={showCentres} onChange={(e) => setShowCentres(e.target.checked)} aria-label="Object centres" />
            <span className="inline-block h-2.5 w-2.5 rounded-full border border-slate-500 bg-white" />
            Object centres <span className="text-slate-400">({markers.length})</span>
          </label>
        </fieldset>
        <span className="ml-auto inline-flex items-center gap-2">
          {editable ? (
            <button
              type="button"
              aria-pressed={drawing}
              onClick={() => setDrawing((d) => !d)}
              className={`rounded border px-2 py-0.5 ${drawing ? "border-fuchsia-400 bg-fuchsia-50 text-fuchsia-700" : "border-slate-300 bg-white hover:bg-slate-50"}`}
            >
              {drawing ? "Drawing: drag on the image" : "Draw box"}
            </button>
          ) : null}
          <button type="button" onClick={() => setZoom({ scale: 1, x: 0, y: 0 })} disabled={zoom.scale === 1} className="rounded border border-slate-300 bg-white px-2 py-0.5 hover:bg-slate-50 disabled:opacity-40">
            Reset zoom {zoom.scale > 1 ? `(${zoom.scale.toFixed(1)}×)` : ""}
          </button>
        </span>
      </div>
    </div>
  );
}

interface BoxGroupsProps {
  byLayer: Record<BoxLayerKey, BoxDto[]>;
  visible: Record<BoxLayerKey, boolean>;
  selectedBox: number | null;
  selectedObject: number | null;
  editable: boolean;
  inverseScale: number;
  onSelect: (box: BoxDto) => void;
  onCommit: (box: BoxDto, geometry: Geometry) => void;
}

/** Every box, one group per source. Its props do not change on hover, so hovering skips it. */
const BoxGroups = memo(function BoxGroups({ byLayer, visible, selectedBox, selectedObject, editable, inverseScale, onSelect, onCommit }: BoxGroupsProps) {
  return BOX_LAYERS.map((layer) => (
    <Group key={layer.key} name={`boxes-${layer.key}`} visible={visible[layer.key]}>
      {byLayer[layer.key].map((b) => (
        <BoxShape
          key={b.id}
          box={b}
          color={layer.color}
          dashed={layer.key === "derived"}
          selected={selectedBox === b.id || (b.objectIndex !== null && b.objectIndex === selectedObject)}
          editable={editable && layer.key === "human"}
          inverseScale={inverseScale}
          onSelect={onSelect}
          onCommit={onCommit}
        />
      ))}
    </Group>
  ));
});
