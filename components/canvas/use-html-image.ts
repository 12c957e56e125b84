"use client";

import { useEffect, useState } from "react";

type State = { image: HTMLImageElement | null; status: "idle" | "loading" | "loaded" | "failed" };

/** Loads an image element for Konva; status lets the canvas show a placeholder on failure. */
export function useHtmlImage(src: string | null): State {
  const [state, setState] = useState<State>({ image: null, status: src ? "loading" : "idle" });
  const [loadedSrc, setLoadedSrc] = useState<string | null>(null);
  if (src !== loadedSrc) {
    setLoadedSrc(src);
    setState({ image: null, status: src ? "loading" : "idle" });
  }
  useEffect(() => {
    if (!src) return;
    const image = new window.Image();
    let cancelled = false;
    image.onload = () => !cancelled && setState({ image, status: "loaded" });
    image.onerror = () => !cancelled && setState({ image: null, status: "failed" });
    image.src = src;
    return () => {
      cancelled = true;
    };
  }, [src]);
  return state;
}
