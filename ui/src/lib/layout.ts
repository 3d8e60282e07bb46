// Where the side panels go so that the conversation and prompt box never
// get narrower than they can be used at: panels dock beside the
// conversation while there is room (narrowing to their own minimum first),
// and lie over it (as drawers) when not.

/** The narrowest the conversation and prompt box may get. */
export const MIN_CONVERSATION = 420;
/** The sidebar's width. */
export const SIDEBAR = 250;
/** The files panel's width when docked (it may narrow to FILES_MIN). */
export const FILES = 380;
export const FILES_MIN = 360;
/** The preview's width when docked (it may narrow to PREVIEW_MIN). */
export const PREVIEW = 480;
export const PREVIEW_MIN = 360;

export type Placement = "hidden" | "docked" | "overlay";

export interface PanelLayout {
  files: Placement;
  preview: Placement;
  /** The files panel's width, docked or over the conversation. */
  filesWidth: number;
  /** The preview's width, docked or over the conversation. */
  previewWidth: number;
  /** The files panel's distance from the window's right edge. */
  filesRight: number;
}

/** Places the open panels in a window `width` pixels wide. Both dock when
 *  they fit at their narrowest, the room left over going to the preview
 *  first; else the preview docks (it is what the person just asked to see)
 *  and the files panel lies over the conversation beside it, or both lie
 *  over it when even the preview has no room. */
export function panelLayout(width: number, filesOpen: boolean, previewOpen: boolean): PanelLayout {
  const room = width - SIDEBAR - MIN_CONVERSATION;
  const hidden = { files: "hidden" as Placement, preview: "hidden" as Placement, filesRight: 0 };
  const overlayPreview = Math.min(PREVIEW, Math.max(PREVIEW_MIN, width - SIDEBAR - 40));
  if (filesOpen && previewOpen && room >= FILES_MIN + PREVIEW_MIN) {
    const previewWidth = Math.min(PREVIEW, room - FILES_MIN);
    return { files: "docked", preview: "docked", filesWidth: Math.min(FILES, room - previewWidth), previewWidth, filesRight: 0 };
  }
  const layout: PanelLayout = { ...hidden, filesWidth: FILES, previewWidth: overlayPreview };
  let left = room;
  if (previewOpen) {
    layout.preview = left >= PREVIEW_MIN ? "docked" : "overlay";
    if (layout.preview === "docked") {
      layout.previewWidth = Math.min(PREVIEW, left);
      left -= layout.previewWidth;
    }
  }
  if (filesOpen) {
    layout.files = left >= FILES ? "docked" : "overlay";
    if (layout.files === "overlay" && layout.preview === "docked") layout.filesRight = layout.previewWidth;
  }
  return layout;
}
