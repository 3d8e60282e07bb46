import type { ClipboardContent, FileInfo, OfferedFile, UploadOutcome, UploadProgress, UploadSource } from "../ipc/bindings";
import { isRasterImage } from "../format";
import { pictureUrl, type IpcError } from "../ipc";

export { DEFAULT_MESSAGE } from "../ipc";

/** Files from this size on show a progress bar while they upload. */
export const PROGRESS_FROM = 5_000_000;

/** One row of the upload dialog. */
export interface DialogItem {
  key: string;
  name: string;
  size: number;
  mime: string;
  isDir: boolean;
  /** The files it brings (1, or a folder's files as the upload counts them). */
  files: number;
  /** A folder's entries the upload will skip (links, devices, unreadable). */
  skipped: number;
  thumb: string | null;
  source: UploadSource;
  /** Known before uploading (unreadable, over the limit). */
  problem: string | null;
  /** 0..1 while uploading, when the file is big enough to show it. */
  progress: number | null;
  error: IpcError | null;
  saved: FileInfo | null;
  /** After uploading: how many of its files were saved. */
  savedCount: number;
}

let counter = 0;
const nextKey = () => `item-${++counter}`;

/** Rows for dropped or picked files and folders. */
export function itemsFromOffers(offers: OfferedFile[]): DialogItem[] {
  return offers.map((o) => ({
    key: nextKey(),
    name: o.name,
    size: o.size,
    mime: o.mime,
    isDir: o.isDir,
    files: o.files,
    skipped: o.skipped,
    thumb: isRasterImage(o.mime) ? pictureUrl("offer", o.offerId) : null,
    source: { kind: "path", path: o.path },
    problem: o.problem,
    progress: null,
    error: null,
    saved: null,
    savedCount: 0,
  }));
}

/** The row for a pasted image Rust holds. */
export function itemFromClipboardImage(content: Extract<ClipboardContent, { kind: "image" }>): DialogItem {
  return {
    key: nextKey(),
    name: content.name,
    size: content.size,
    mime: "image/png",
    isDir: false,
    files: 1,
    skipped: 0,
    thumb: pictureUrl("paste", content.pasteId),
    source: { kind: "paste", pasteId: content.pasteId },
    problem: null,
    progress: null,
    error: null,
    saved: null,
    savedCount: 0,
  };
}

/** The row for pasted text saved as a file. */
export function itemFromText(name: string, text: string): DialogItem {
  return {
    key: nextKey(),
    name,
    size: new TextEncoder().encode(text).length,
    mime: "text/plain",
    isDir: false,
    files: 1,
    skipped: 0,
    thumb: null,
    source: { kind: "text", name, text },
    problem: null,
    progress: null,
    error: null,
    saved: null,
    savedCount: 0,
  };
}

/** The rows without the one removed. */
export function removeItem(items: DialogItem[], key: string): DialogItem[] {
  return items.filter((i) => i.key !== key);
}

/** Rows that can be uploaded (not refused before uploading). */
export function uploadable(items: DialogItem[]): DialogItem[] {
  return items.filter((i) => i.problem === null && i.saved === null);
}

/** The files and bytes a batch of rows brings. */
export function batchTotals(items: DialogItem[]): { files: number; bytes: number } {
  return items.reduce((t, i) => ({ files: t.files + i.files, bytes: t.bytes + i.size }), { files: 0, bytes: 0 });
}

/** "proj: folder of 30 files, 73 kB", "notes.txt: text/plain, 12 B". */
export function describeRow(item: DialogItem, size: string): string {
  if (!item.isDir) return `${size} · ${item.mime}`;
  const files = `${item.files} file${item.files === 1 ? "" : "s"}`;
  const skipped = item.skipped > 0 ? ` · ${item.skipped} skipped (links or special files)` : "";
  return `folder of ${files} · ${size}${skipped}`;
}

/** A warning for a file that will be refused for its size, before trying. */
export function sizeWarning(item: DialogItem, maxFileSize: number): string | null {
  return !item.isDir && item.size > maxFileSize ? "over the size limit" : null;
}

/** Marks the progress of the row whose files are being copied (big rows
 *  only); `starts` remembers where each row began (one map per upload). */
export function applyProgress(items: DialogItem[], progress: UploadProgress, starts: Map<number, number>): DialogItem[] {
  // A row is a source: a folder's files all report its index. Its bytes
  // done are the batch's since its first file began.
  if (!starts.has(progress.source)) starts.set(progress.source, progress.batchDone - progress.itemDone);
  const done = progress.batchDone - (starts.get(progress.source) ?? 0);
  return items.map((item, index) => {
    if (index !== progress.source || item.size < PROGRESS_FROM) return item;
    return { ...item, progress: Math.min(1, done / item.size) };
  });
}

/** Marks each row saved or failed from the upload's outcomes; a folder's
 *  row counts exactly how many of its files were not saved. */
export function applyOutcomes(items: DialogItem[], outcomes: UploadOutcome[]): DialogItem[] {
  return items.map((item, index) => {
    const mine = outcomes.filter((o) => o.source === index);
    if (mine.length === 0) return item;
    const failed = mine.filter((o) => o.error !== null);
    const savedCount = mine.length - failed.length;
    let error: IpcError | null = null;
    if (failed.length > 0) {
      const first = failed[0];
      // A folder's file by its path inside the folder, as the row names it.
      const root = item.source.kind === "path" ? `${item.source.path}/` : null;
      const label = root && first.label.startsWith(root) ? `${item.name}/${first.label.slice(root.length)}` : first.label;
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : "";
      error = {
        kind: first.error!.kind,
        message: mine.length > 1
          ? `${failed.length} of ${mine.length} not saved: ${label}: ${first.error!.message}${more}`
          : first.error!.message,
      };
    }
    return { ...item, progress: null, saved: mine.find((o) => o.file !== null)?.file ?? null, savedCount, error };
  });
}

/** After an upload: "29 of 30 files saved; 1 was not." */
export function summary(outcomes: UploadOutcome[]): string {
  const saved = outcomes.filter((o) => o.file !== null).length;
  const failed = outcomes.length - saved;
  const files = `${outcomes.length} file${outcomes.length === 1 ? "" : "s"}`;
  return failed === 0 ? `${files} saved.` : `${saved} of ${files} saved; ${failed} ${failed === 1 ? "was" : "were"} not.`;
}

/** The saved files of the outcomes, in order. */
export function savedFiles(outcomes: UploadOutcome[]): FileInfo[] {
  return outcomes.flatMap((o) => (o.file ? [o.file] : []));
}

/** The path to mention for a saved file: relative to the worktree when inside. */
export function relativePath(path: string, worktree: string): string {
  const prefix = worktree.endsWith("/") ? worktree : `${worktree}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
