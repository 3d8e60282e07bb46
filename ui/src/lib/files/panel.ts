import type { FileInfo, UntrackedFile } from "../ipc/bindings";

/** A row of the files panel: a section heading, a recorded file, or a file found with no record. */
export type PanelRow =
  | { kind: "header"; title: string; count: number }
  | { kind: "file"; file: FileInfo }
  | { kind: "untracked"; file: UntrackedFile };

/** Height of every row, for the virtual list. */
export const ROW_HEIGHT = 56;

/** A file ready for filtering: its searchable text lowercased once. */
export interface IndexedFile {
  file: FileInfo;
  haystack: string;
}

/** Files newest first, each with the text the filter searches (name,
 * display name, path, type, status, destination). Done once per load, so
 * typing in the filter only compares strings. */
export function indexFiles(files: FileInfo[]): IndexedFile[] {
  return [...files]
    .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
    .map((file) => ({
      file,
      haystack: [file.filename, file.displayName ?? "", file.path, file.mime, file.status, file.destination].join("\n").toLowerCase(),
    }));
}

/** Whether a file matches the filter (any of its fields, any case). */
export function matches(file: IndexedFile, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  return !needle || file.haystack.includes(needle);
}

/** The panel's rows: "Sent to agent", "From agent" (published) and "Made
 * by the agent" (what its turns made in the worktree), each newest first,
 * then "Not recorded" when files with no record were found. */
export function panelRows(files: IndexedFile[], filter: string, untracked: UntrackedFile[] = []): PanelRow[] {
  const needle = filter.trim().toLowerCase();
  const shown = needle ? files.filter((f) => f.haystack.includes(needle)) : files;
  const rows: PanelRow[] = [];
  for (const [title, direction] of [["Sent to agent", "to_agent"], ["From agent", "from_agent"], ["Made by the agent", "made"]] as const) {
    const section = shown.filter((f) => f.file.direction === direction);
    rows.push({ kind: "header", title, count: section.length });
    for (const { file } of section) rows.push({ kind: "file", file });
  }
  const found = untracked.filter((f) => !needle || f.path.toLowerCase().includes(needle) || f.destination.includes(needle));
  if (found.length > 0) {
    rows.push({ kind: "header", title: "Not recorded", count: found.length });
    rows.push(...found.map((file) => ({ kind: "untracked" as const, file })));
  }
  return rows;
}

/** The rows to render for a scroll position, with some to spare. */
export function visibleRange(count: number, scrollTop: number, viewport: number, overscan = 6): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + overscan);
  return { start, end };
}

/** "now", "5 min", "2 h", "3 d": how long ago. */
export function age(now: number, then: number): string {
  const secs = Math.max(0, Math.floor((now - then) / 1000));
  if (secs < 60) return "now";
  if (secs < 3600) return `${Math.floor(secs / 60)} min`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h`;
  return `${Math.floor(secs / 86400)} d`;
}

/** What a files-panel row can do, with the key that does it when the row
 *  has focus. */
export type RowAction = "preview" | "open" | "reveal" | "copy" | "mention" | "send" | "save" | "share" | "trash";

/** Whether a file's bytes are gone from its path (or, replaced, are now
 *  another file's): nothing can be shown, opened, sent or shared. */
export function isGone(status: FileInfo["status"]): boolean {
  return status === "missing" || status === "deleted" || status === "expired" || status === "replaced";
}

/** Why a gone file's actions are few, in a person's words. */
export function goneReason(status: FileInfo["status"], direction: FileInfo["direction"] = "to_agent"): string {
  if (status === "replaced") return direction === "made" ? "A later turn changed it" : "A newer upload took its place";
  if (status === "expired") return "Removed when temp uploads expired";
  if (status === "deleted") return "Deleted";
  return "No longer at its path";
}

/** The actions of a row, in menu order: sending again only for files sent
 *  to the agent, mentioning for those and for what the agent made; a file on a remote worktree's `host` has
 *  no folder here to show nor bytes here to share, and is deleted there,
 *  where no trash is; a file whose bytes are gone keeps only its path. */
export function rowActions(
  direction: FileInfo["direction"],
  host: string | null = null,
  status: FileInfo["status"] = "present",
): { action: RowAction; label: string; key: string }[] {
  const all: { action: RowAction; label: string; key: string }[] = [
    { action: "preview", label: "Preview", key: "Enter" },
    { action: "open", label: "Open", key: "o" },
    { action: "reveal", label: "Show in folder", key: "r" },
    { action: "copy", label: "Copy path", key: "c" },
    { action: "mention", label: "Mention in the message", key: "m" },
    { action: "send", label: "Send to the agent again", key: "s" },
    { action: "save", label: "Save a copy as…", key: "a" },
    { action: "share", label: "Share a link…", key: "l" },
    { action: "trash", label: host ? `Delete from ${host}` : "Move to trash", key: "Delete" },
  ];
  if (isGone(status)) return all.filter((a) => a.action === "copy");
  const own = direction === "to_agent" ? all
    : direction === "made" ? all.filter((a) => a.action !== "send")
    : all.filter((a) => a.action !== "mention" && a.action !== "send");
  return host ? own.filter((a) => a.action !== "reveal" && a.action !== "share") : own;
}

/** The action a key pressed on a focused row stands for. */
export function actionForKey(
  direction: FileInfo["direction"],
  key: string,
  host: string | null = null,
  status: FileInfo["status"] = "present",
): RowAction | null {
  const k = key === " " ? "Enter" : key.length === 1 ? key.toLowerCase() : key;
  return rowActions(direction, host, status).find((a) => a.key === k)?.action ?? null;
}

/** The folder a file is in, relative to `root` (the worktree) when inside:
 *  `.agor/uploads/proj (1)`. */
export function folderOf(path: string, root: string | null): string {
  const dir = path.slice(0, Math.max(0, path.lastIndexOf("/")));
  if (root) {
    const prefix = root.endsWith("/") ? root : `${root}/`;
    if (dir.startsWith(prefix)) return dir.slice(prefix.length);
  }
  return dir;
}
