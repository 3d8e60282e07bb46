import type { Message } from "../ipc/bindings";
import { formatSize, isRasterImage } from "../format";
import { describeType, type FileIcon } from "../filetype";

/** One file of a turn's "Made this turn" list. */
export interface MadeRow {
  /** Its record; none for a deleted file. */
  fileId: number | null;
  /** Its name, and the folder it is in ("" at the top of the worktree). */
  name: string;
  folder: string;
  path: string;
  change: "new" | "changed" | "deleted";
  /** "new · 1.2 kB", "+12 −3", "changed · 4 kB", "deleted". */
  detail: string;
  icon: FileIcon;
  /** A picture still on record: its thumbnail shows instead of the icon. */
  picture: boolean;
}

/** What a `made` line shows: its title, its rows, and what was left out. */
export interface MadeList {
  title: string;
  rows: MadeRow[];
  more: string | null;
}

/** The list of a `made` message; nothing for any other line. */
export function madeOf(message: Message): MadeList | null {
  const data = message.data;
  if (data?.type !== "made") return null;
  const left = data.more.reduce((n, m) => n + m.count, 0);
  const rows = data.files.map((f): MadeRow => {
    const slash = f.path.lastIndexOf("/");
    const detail =
      f.change === "deleted" ? "deleted"
      : f.lines && f.change === "changed" ? `+${f.lines.added} −${f.lines.removed}`
      : `${f.change} · ${formatSize(f.size)}`;
    return {
      fileId: f.fileId,
      name: f.path.slice(slash + 1),
      folder: slash < 0 ? "" : f.path.slice(0, slash + 1),
      path: f.path,
      change: f.change,
      detail,
      icon: f.mime ? describeType(f.mime)[1] : "file",
      picture: f.fileId !== null && isRasterImage(f.mime),
    };
  });
  const more = data.more.length === 0 ? null
    : "and " + data.more.map((m) => (m.folder ? `${m.count.toLocaleString("en")} more in ${m.folder}` : `${m.count.toLocaleString("en")} more`)).join(", ");
  return { title: `Made this turn (${(rows.length + left).toLocaleString("en")})`, rows, more };
}
