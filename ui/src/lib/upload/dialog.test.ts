import { describe, expect, it } from "vitest";
import type { OfferedFile, UploadOutcome } from "../ipc/bindings";
import { applyOutcomes, applyProgress, batchTotals, describeRow, itemFromText, itemsFromOffers, relativePath, removeItem, sizeWarning, summary, uploadable } from "./dialog";

const offer = (name: string, mime: string, size = 10, problem: string | null = null): OfferedFile => ({
  offerId: 7, path: `/home/me/${name}`, name, size, isDir: false, mime, problem, files: 1, skipped: 0,
});

describe("upload dialog state", () => {
  it("shows thumbnails for pictures only", () => {
    const [png, txt] = itemsFromOffers([offer("a.png", "image/png"), offer("b.txt", "text/plain")]);
    expect(png.thumb).toBe("handoff://localhost/offer/7");
    expect(txt.thumb).toBeNull();
    expect(png.source).toEqual({ kind: "path", path: "/home/me/a.png" });
  });

  it("removes rows and skips unreadable ones", () => {
    const items = itemsFromOffers([offer("a.png", "image/png"), offer("gone.txt", "text/plain", 0, "No such file")]);
    expect(uploadable(items).map((i) => i.name)).toEqual(["a.png"]);
    expect(removeItem(items, items[0].key).map((i) => i.name)).toEqual(["gone.txt"]);
  });

  it("warns about files over the limit before uploading", () => {
    const [big] = itemsFromOffers([offer("big.iso", "application/octet-stream", 60_000_000)]);
    expect(sizeWarning(big, 50_000_000)).toBe("over the size limit");
    expect(sizeWarning(big, 100_000_000)).toBeNull();
  });

  it("counts pasted text in bytes", () => {
    expect(itemFromText("pasted-text.txt", "héllo").size).toBe(6);
  });

  it("shows progress for big files only", () => {
    const items = itemsFromOffers([offer("big.bin", "application/octet-stream", 100_000_000), offer("small.txt", "text/plain")]);
    const starts = new Map<number, number>();
    const p = applyProgress(items, { source: 0, item: 0, itemDone: 25_000_000, itemTotal: 100_000_000, batchDone: 25_000_000, batchTotal: 100_000_010 }, starts);
    expect(p[0].progress).toBe(0.25);
    const small = applyProgress(items, { source: 1, item: 1, itemDone: 10, itemTotal: 10, batchDone: 100_000_010, batchTotal: 100_000_010 }, starts);
    expect(small[1].progress).toBeNull();
  });

  it("puts a dropped folder's progress on its own row, counting all its files", () => {
    // Row 0 is a small file; row 1 a folder of two 10 MB files; row 2 a 20 MB file.
    const items = itemsFromOffers([
      offer("a.txt", "text/plain", 10),
      { ...offer("shots", "inode/directory", 20_000_000), isDir: true, files: 2 },
      offer("c.bin", "application/octet-stream", 20_000_000),
    ]);
    const starts = new Map<number, number>();
    const total = 40_000_010;
    let rows = applyProgress(items, { source: 0, item: 0, itemDone: 10, itemTotal: 10, batchDone: 10, batchTotal: total }, starts);
    // The folder's second file is the batch's third file: its progress is the folder's, not row 2's.
    rows = applyProgress(rows, { source: 1, item: 1, itemDone: 10_000_000, itemTotal: 10_000_000, batchDone: 10_000_010, batchTotal: total }, starts);
    rows = applyProgress(rows, { source: 1, item: 2, itemDone: 5_000_000, itemTotal: 10_000_000, batchDone: 15_000_010, batchTotal: total }, starts);
    expect(rows.map((r) => r.progress)).toEqual([null, 0.75, null]);
    rows = applyProgress(rows, { source: 2, item: 3, itemDone: 4_000_000, itemTotal: 20_000_000, batchDone: 24_000_010, batchTotal: total }, starts);
    expect(rows.map((r) => r.progress)).toEqual([null, 0.75, 0.2]);
  });

  it("marks each row saved or failed, keeping the reason", () => {
    const items = itemsFromOffers([offer("big.bin", "application/octet-stream"), offer("ok.txt", "text/plain")]);
    const outcomes: UploadOutcome[] = [
      { label: "/home/me/big.bin", source: 0, file: null, error: { kind: "tooLarge", message: "73.2 MB is over the 50 MB limit" } },
      { label: "/home/me/ok.txt", source: 1, error: null, file: { id: 3, filename: "ok.txt", path: "/w/.agor/uploads/ok.txt", size: 10, mime: "text/plain", sniffedMime: "text/plain", destination: "worktree", status: "present", direction: "to_agent", displayName: null, description: null, revision: 1, createdAt: 0 } },
    ];
    const done = applyOutcomes(items, outcomes);
    expect(done[0].error?.message).toBe("73.2 MB is over the 50 MB limit");
    expect(done[1].saved?.id).toBe(3);
    expect(done[1].error).toBeNull();
  });

  it("mentions saved files relative to the worktree", () => {
    expect(relativePath("/w/.agor/uploads/a b.png", "/w")).toBe(".agor/uploads/a b.png");
    expect(relativePath("/tmp/agor-uploads/a.png", "/w")).toBe("/tmp/agor-uploads/a.png");
  });

  it("counts a folder's files as the upload counts them, and says so per row", () => {
    const folder: OfferedFile = { offerId: 8, path: "/home/me/proj", name: "proj", size: 73_000, isDir: true, mime: "inode/directory", problem: null, files: 30, skipped: 2 };
    const items = itemsFromOffers([folder, offer("notes.txt", "text/plain", 12)]);
    expect(batchTotals(items)).toEqual({ files: 31, bytes: 73_012 });
    expect(describeRow(items[0], "73 kB")).toBe("folder of 30 files · 73 kB · 2 skipped (links or special files)");
    expect(describeRow(items[1], "12 B")).toBe("12 B · text/plain");
  });

  it("counts exactly what a folder did not save", () => {
    const folder: OfferedFile = { offerId: 8, path: "/home/me/proj", name: "proj", size: 30, isDir: true, mime: "inode/directory", problem: null, files: 3, skipped: 0 };
    const [row] = itemsFromOffers([folder]);
    const file = (id: number) => ({ id, path: `/w/.agor/uploads/proj/${id}`, name: `${id}`, size: 1, mime: "text/plain", sha256: "", destination: "worktree" as const });
    const outcomes = [
      { label: "/home/me/proj/a", source: 0, file: file(1), error: null },
      { label: "/home/me/proj/b", source: 0, file: null, error: { kind: "tooLarge", message: "over the size limit" } },
      { label: "/home/me/proj/c", source: 0, file: null, error: { kind: "tooLarge", message: "over the size limit" } },
    ];
    const [done] = applyOutcomes([row], outcomes as never);
    expect(done.savedCount).toBe(1);
    expect(done.error!.message).toBe("2 of 3 not saved: proj/b: over the size limit (and 1 more)");
    expect(summary(outcomes as never)).toBe("1 of 3 files saved; 2 were not.");
  });
});
