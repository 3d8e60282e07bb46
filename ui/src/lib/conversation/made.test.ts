import { describe, expect, it } from "vitest";
import type { Message } from "../ipc/bindings";
import { madeOf } from "./made";

const line = (data: Message["data"]): Message => ({ id: 1, seq: 1, role: "agent", kind: "made", body: "Made this turn", data, createdAt: 0 });

describe("a turn's outputs", () => {
  it("reads each file as a person would: name, folder, what happened", () => {
    const made = madeOf(line({
      type: "made",
      files: [
        { fileId: null, path: "old.txt", change: "deleted", size: 0, mime: "", lines: null },
        { fileId: 7, path: "out/report.md", change: "new", size: 1200, mime: "text/markdown", lines: { added: 3, removed: 0 } },
        { fileId: 8, path: "src/app.ts", change: "changed", size: 40, mime: "text/x-typescript", lines: { added: 12, removed: 3 } },
      ],
      more: [{ folder: "dist/", count: 1204 }],
    }))!;
    expect(made.title).toBe("Made this turn (1,207)");
    expect(made.rows.map((r) => [r.name, r.folder, r.detail, r.fileId])).toEqual([
      ["old.txt", "", "deleted", null],
      ["report.md", "out/", "new · 1.2 kB", 7],
      ["app.ts", "src/", "+12 −3", 8],
    ]);
    expect(made.more).toBe("and 1,204 more in dist/");
  });

  it("shows a picture it made as its thumbnail, a deleted one as an icon", () => {
    const made = madeOf(line({
      type: "made",
      files: [
        { fileId: 9, path: "shots/home.png", change: "new", size: 5000, mime: "image/png", lines: null },
        { fileId: null, path: "shots/old.png", change: "deleted", size: 0, mime: "image/png", lines: null },
        { fileId: 10, path: "logo.svg", change: "new", size: 300, mime: "image/svg+xml", lines: null },
      ],
      more: [],
    }))!;
    expect(made.rows.map((r) => [r.name, r.picture])).toEqual([
      ["home.png", true],
      ["old.png", false],
      ["logo.svg", false],
    ]);
  });

  it("is nothing for another line", () => {
    expect(madeOf(line(null))).toBeNull();
  });
});
