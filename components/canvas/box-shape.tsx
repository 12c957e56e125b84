"use client";

import { memo } from "react";
import { Group, Rect, Text } from "react-konva";
import type { KonvaEventObject } from "konva/lib/Node";
import { HIGHLIGHT } from "@/components/canvas/box-sources";
import type { BoxDto } from "@/lib/schemas/traces";

// One box. Memoised and independent of the hovered step: highlights are drawn on their own small
// layer, so hovering never redraws the layer that holds 1,000 boxes.

export interface BoxShapeProps {
  box: BoxDto;
  color: string;
  dashed: boolean;
  selected: boolean;
  editable: boolean;
  inverseScale: number; // 1 / stage scale: constant stroke and font size on screen
  onSelect: (box: BoxDto) => void;
  onCommit: (box: BoxDto, geometry: { x: number; y: number; w: number; h: number }) => void;
}

function BoxShapeImpl({ box, color, dashed, selected, editable, inverseScale, onSelect, onCommit }: BoxShapeProps) {
  const stroke = selected ? HIGHLIGHT : color;
  // photos: the object's category next to its id ("obj_3 chair")
  const label = box.objectIndex !== null ? (box.label && box.source !== "derived" ? `obj_${box.objectIndex} ${box.label}` : `obj_${box.objectIndex}`) : box.label;
  const commit = (event: KonvaEventObject<Event>) => {
    const node = event.target;
    const geometry = { x: node.x(), y: node.y(), w: Math.max(1, node.width() * node.scaleX()), h: Math.max(1, node.height() * node.scaleY()) };
    node.scaleX(1);
    node.scaleY(1);
    onCommit(box, geometry);
  };
  return (
    <Group>
      <Rect
        id={`box-${box.id}`}
        name={editable ? "box human-box" : "box"}
        x={box.x}
        y={box.y}
        width={box.w}
        height={box.h}
        stroke={stroke}
        strokeWidth={(selected ? 3 : 1.5) * inverseScale}
        fill="rgba(0,0,0,0.01)"
        dash={dashed ? [6 * inverseScale, 4 * inverseScale] : undefined}
        perfectDrawEnabled={false}
        shadowForStrokeEnabled={false}
        draggable={editable && selected}
        onClick={() => onSelect(box)}
        onTap={() => onSelect(box)}
        onDragEnd={commit}
        onTransformEnd={commit}
      />
      {label ? (
        <Text
          x={box.x + 2 * inverseScale}
          y={box.y + 2 * inverseScale}
          text={label}
          fontSize={11 * inverseScale}
          fill={stroke}
          listening={false}
          perfectDrawEnabled={false}
        />
      ) : null}
    </Group>
  );
}

export const BoxShape = memo(BoxShapeImpl);
