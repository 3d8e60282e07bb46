// Where the side panels go so that the conversation and prompt box never
// get narrower than they can be used at: panels dock beside the
// conversation while there is room, and lie over it (as drawers) when not.

/** The narrowest the conversation and prompt box may get. */
export const MIN_CONVERSATION = 420;
/** The sidebar's width. */
export const SIDEBAR = 250;
/** The files panel's width. */
export const FILES = 380;
/** The preview's width when docked (it may narrow to PREVIEW_MIN). */
export const PREVIEW = 480;
export const PREVIEW_MIN = 360;

export type Placement = "hidden" | "docked" | "overlay";

export interface PanelLayout {
  files: Placement;
  preview: Placement;
  /** The preview's width, docked or over the conversation. */
  previewWidth: number;
  /** The files panel's distance from the window's right edge. */
  filesRight: number;
}

/** Places the open panels in a window `width` pixels wide. The preview
 *  docks first (it is what the person just asked to see), then the files
 *  panel if there is still room; what does not fit lies over the
 *  conversation, the files panel beside a docked preview. */
export function panelLayout(width: number, filesOpen: boolean, previewOpen: boolean): PanelLayout {
  let room = width - SIDEBAR - MIN_CONVERSATION;
  let preview: Placement = "hidden";
  let previewWidth = Math.min(PREVIEW, Math.max(PREVIEW_MIN, width - SIDEBAR - 40));
  if (previewOpen) {
    if (room >= PREVIEW_MIN) {
      preview = "docked";
      previewWidth = Math.min(PREVIEW, room);
      room -= previewWidth;
    } else {
      preview = "overlay";
    }
  }
  let files: Placement = "hidden";
  let filesRight = 0;
  if (filesOpen) {
    files = room >= FILES ? "docked" : "overlay";
    if (files === "overlay" && preview === "docked") filesRight = previewWidth;
  }
  return { files, preview, previewWidth, filesRight };
}
