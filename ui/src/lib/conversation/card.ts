import type { Message } from "../ipc/bindings";
import { formatSize } from "../format";
import { describeType, type FileIcon } from "../filetype";

/** What a published-file card shows. */
export interface Card {
  fileId: number;
  name: string;
  /** A short type label: "PNG image", "Markdown", "CSV table"… */
  type: string;
  /** "12 kB", or empty when the size is not known. */
  size: string;
  description: string | null;
  revision: number;
  icon: FileIcon;
}

/** The card of a `published` message (older cards carry only the id and revision). */
export function cardOf(message: Message): Card {
  const data = (message.data ?? {}) as Record<string, unknown>;
  const name = typeof data.name === "string" ? data.name : message.body.replace(/^Published /, "").replace(/ \(v\d+, .*\)$/, "");
  const mime = typeof data.mime === "string" ? data.mime : "";
  const [type, icon] = mime ? describeType(mime) : (["File", "file"] as [string, FileIcon]);
  return {
    fileId: Number(data.fileId),
    name,
    type,
    size: typeof data.size === "number" ? formatSize(data.size) : "",
    description: typeof data.description === "string" && data.description.trim() ? data.description : null,
    revision: typeof data.revision === "number" ? data.revision : 1,
    icon,
  };
}
