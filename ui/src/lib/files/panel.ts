import type { FileInfo } from "../ipc/bindings";

/** A row of the files panel: a section heading or a file. */
export type PanelRow = { kind: "header"; title: string; count: number } | { kind: "file"; file: FileInfo };

/** Height of every row, for the virtual list. */
export const ROW_HEIGHT = 56;

/** Whether a file matches the filter (name, path, type, status; any case). */
export function matches(file: FileInfo, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  return [file.filename, file.displayName ?? "", file.path, file.mime, file.status, file.destination]
    .some((field) => field.toLowerCase().includes(needle));
}

/** The panel's rows: "Sent to agent" then "From agent", each newest first. */
export function panelRows(files: FileInfo[], filter: string): PanelRow[] {
  const shown = files.filter((f) => matches(f, filter)).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const rows: PanelRow[] = [];
  for (const [title, direction] of [["Sent to agent", "to_agent"], ["From agent", "from_agent"]] as const) {
    const section = shown.filter((f) => f.direction === direction);
    rows.push({ kind: "header", title, count: section.length });
    rows.push(...section.map((file) => ({ kind: "file" as const, file })));
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
