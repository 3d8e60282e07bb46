import { describe, expect, it } from "vitest";
import { FILES_MIN, MIN_CONVERSATION, PREVIEW_MIN, SIDEBAR, panelLayout } from "./layout";

/** The conversation's width: the window less the sidebar and docked panels. */
function conversation(width: number, files: boolean, preview: boolean): number {
  const l = panelLayout(width, files, preview);
  return width - SIDEBAR - (l.files === "docked" ? l.filesWidth : 0) - (l.preview === "docked" ? l.previewWidth : 0);
}

describe("panel layout", () => {
  it("never leaves the conversation narrower than it can be used at", () => {
    for (let width = 900; width <= 2600; width += 10) {
      for (const files of [false, true]) {
        for (const preview of [false, true]) {
          expect(conversation(width, files, preview), `${width} files=${files} preview=${preview}`).toBeGreaterThanOrEqual(MIN_CONVERSATION);
        }
      }
    }
  });

  it("docks what fits and lays the rest over the conversation", () => {
    expect(panelLayout(1400, true, true)).toEqual({ files: "docked", preview: "docked", filesWidth: 360, previewWidth: 370, filesRight: 0 });
    expect(panelLayout(1200, true, true)).toEqual({ files: "overlay", preview: "docked", filesWidth: 380, previewWidth: 480, filesRight: 480 });
    expect(panelLayout(1400, true, false).files).toBe("docked");
    expect(panelLayout(900, true, false).files).toBe("overlay");
    expect(panelLayout(900, false, true)).toMatchObject({ preview: "overlay" });
    expect(panelLayout(1600, true, true)).toMatchObject({ files: "docked", preview: "docked", filesWidth: 380, previewWidth: 480 });
  });

  it("never docks a panel narrower than its minimum", () => {
    for (let width = 900; width <= 2600; width += 10) {
      const l = panelLayout(width, true, true);
      if (l.files === "docked") expect(l.filesWidth).toBeGreaterThanOrEqual(FILES_MIN);
      if (l.preview === "docked") expect(l.previewWidth).toBeGreaterThanOrEqual(PREVIEW_MIN);
    }
  });
});
