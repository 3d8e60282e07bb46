/** Pasted text longer than this is offered as a file instead. */
export const LONG_TEXT_THRESHOLD = 5000;

/** What a paste event should become. */
export type PasteRoute =
  | { kind: "files" }
  | { kind: "uris"; paths: string[] }
  | { kind: "longText"; text: string }
  | { kind: "native" }
  | { kind: "askRust" };

/** The parts of a paste event the routing looks at. */
export interface PasteInput {
  fileCount: number;
  text: string;
}

/**
 * Decides what a paste becomes: files the page received; copied files (a
 * `file://` list arriving as text); long text offered as an attachment;
 * short text pasted normally; and nothing at all, which on Linux is how a
 * pasted image arrives, so Rust reads the clipboard itself.
 */
export function routePaste(input: PasteInput, threshold = LONG_TEXT_THRESHOLD): PasteRoute {
  if (input.fileCount > 0) return { kind: "files" };
  const text = input.text;
  if (text.length === 0) return { kind: "askRust" };
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith("#"));
  if (lines.length > 0 && lines.every((l) => l.startsWith("file://"))) {
    return { kind: "uris", paths: lines.map(fileUriToPath) };
  }
  if (text.length > threshold) return { kind: "longText", text };
  return { kind: "native" };
}

/** The path of a `file://` URI, percent-decoded. */
export function fileUriToPath(uri: string): string {
  const rest = uri.replace(/^file:\/\/[^/]*/, "");
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}
