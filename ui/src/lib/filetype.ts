/** The icon drawn for a kind of file. */
export type FileIcon = "image" | "text" | "table" | "pdf" | "file";

const LABELS: Record<string, [string, FileIcon]> = {
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
export function describeType(mime: string): [string, FileIcon] {
  if (LABELS[mime]) return LABELS[mime];
  if (mime.startsWith("image/")) return [`${mime.slice(6).toUpperCase()} image`, "image"];
  if (mime.startsWith("text/")) return ["Text", "text"];
  return [mime === "application/octet-stream" ? "File" : mime, "file"];
}

