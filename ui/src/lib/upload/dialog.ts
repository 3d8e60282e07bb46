import type { ClipboardContent, FileInfo, IpcError, OfferedFile, UploadOutcome, UploadProgress, UploadSource } from "../ipc/bindings";
import { isRasterImage } from "../format";
import { pictureUrl } from "../ipc";

/** The message sent to the agent unless the person writes another. */
export const DEFAULT_MESSAGE = "Please review {filepath}";

/** Files from this size on show a progress bar while they upload. */
export const PROGRESS_FROM = 5_000_000;

/** One row of the upload dialog. */
export interface DialogItem {
  key: string;
  name: string;
  size: number;
  mime: string;
  isDir: boolean;
  thumb: string | null;
  source: UploadSource;
  /** Known before uploading (unreadable, over the limit). */
  problem: string | null;
  /** 0..1 while uploading, when the file is big enough to show it. */
  progress: number | null;
  error: IpcError | null;
  saved: FileInfo | null;
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
    thumb: isRasterImage(o.mime) ? pictureUrl("offer", o.offerId) : null,
    source: { kind: "path", path: o.path },
    problem: o.problem,
    progress: null,
    error: null,
    saved: null,
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
    thumb: pictureUrl("paste", content.pasteId),
    source: { kind: "paste", pasteId: content.pasteId },
    problem: null,
    progress: null,
    error: null,
    saved: null,
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
    thumb: null,
    source: { kind: "text", name, text },
    problem: null,
    progress: null,
    error: null,
    saved: null,
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

/** A warning for a file that will be refused for its size, before trying. */
export function sizeWarning(item: DialogItem, maxFileSize: number): string | null {
  return !item.isDir && item.size > maxFileSize ? "over the size limit" : null;
}

/** Marks the progress of the file being copied (big files only). */
export function applyProgress(items: DialogItem[], progress: UploadProgress): DialogItem[] {
  return items.map((item, index) => {
    if (index !== progress.item || progress.itemTotal === null || progress.itemTotal < PROGRESS_FROM) return item;
    return { ...item, progress: Math.min(1, progress.itemDone / progress.itemTotal) };
  });
}

/** Marks each row saved or failed from the upload's outcomes. */
export function applyOutcomes(items: DialogItem[], outcomes: UploadOutcome[]): DialogItem[] {
  return items.map((item, index) => {
    const mine = outcomes.filter((o) => o.source === index);
    if (mine.length === 0) return item;
    const failed = mine.find((o) => o.error !== null);
    return {
      ...item,
      progress: null,
      saved: mine.find((o) => o.file !== null)?.file ?? null,
      error: failed ? { kind: failed.error!.kind, message: mine.length > 1 ? `${failed.label}: ${failed.error!.message}` : failed.error!.message } : null,
    };
  });
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
