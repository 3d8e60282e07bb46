/** Zoom levels an image preview steps through. */
export const ZOOM_STEPS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4];

/** An image's zoom: fitted to the panel, or a scale (1 = actual size). */
export type Zoom = "fit" | number;

/** The scale "fit" means: the image shrunk to the panel's width, never enlarged. */
export function fitScale(naturalWidth: number, panelWidth: number): number {
  return naturalWidth > 0 ? Math.min(1, panelWidth / naturalWidth) : 1;
}

/** The next level up (`direction` 1) or down (-1) from the scale shown now. */
export function step(shown: number, direction: 1 | -1): number {
  if (direction > 0) return ZOOM_STEPS.find((z) => z > shown + 1e-9) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1];
  return [...ZOOM_STEPS].reverse().find((z) => z < shown - 1e-9) ?? ZOOM_STEPS[0];
}

/** "Fit (42%)" or "150%". */
export function zoomLabel(zoom: Zoom, shown: number): string {
  const percent = `${Math.round(shown * 100)}%`;
  return zoom === "fit" ? `Fit (${percent})` : percent;
}
