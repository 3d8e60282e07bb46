import type { Message } from "../ipc/bindings";
import { formatSize } from "../format";

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
  icon: "image" | "text" | "table" | "pdf" | "file";
}

const LABELS: Record<string, [string, Card["icon"]]> = {
  "image/png": ["PNG image", "image"],
  "image/jpeg": ["JPEG image", "image"],
  "image/gif": ["GIF image", "image"],
  "image/webp": ["WebP image", "image"],
  "image/svg+xml": ["SVG image", "image"],
  "application/pdf": ["PDF document", "pdf"],
  "text/markdown": ["Markdown", "text"],
  "text/csv": ["CSV table", "table"],
  "application/json": ["JSON", "text"],
  "text/html": ["HTML", "text"],
  "text/plain": ["Text", "text"],
  "application/zip": ["ZIP archive", "file"],
};

/** A readable label and an icon for a MIME type. */
export function describeType(mime: string): [string, Card["icon"]] {
  if (LABELS[mime]) return LABELS[mime];
  if (mime.startsWith("image/")) return [`${mime.slice(6).toUpperCase()} image`, "image"];
  if (mime.startsWith("text/")) return ["Text", "text"];
  return [mime === "application/octet-stream" ? "File" : mime, "file"];
}

/** The card of a `published` message (older cards carry only the id and revision). */
export function cardOf(message: Message): Card {
  const data = (message.data ?? {}) as Record<string, unknown>;
  const name = typeof data.name === "string" ? data.name : message.body.replace(/^Published /, "").replace(/ \(v\d+, .*\)$/, "");
  const mime = typeof data.mime === "string" ? data.mime : "";
  const [type, icon] = mime ? describeType(mime) : ["File", "file" as const];
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
