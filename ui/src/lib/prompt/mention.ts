/** An `@path` mention: quoted when the path has spaces (or quotes). */
export function mention(path: string): string {
  return /[\s"]/.test(path) ? `@"${path.replace(/"/g, '\\"')}"` : `@${path}`;
}

/**
 * Inserts mentions of `paths` into `text` at `cursor`, separated from the
 * surrounding words by single spaces. Returns the new text and cursor.
 */
export function insertMentions(text: string, cursor: number, paths: string[]): { text: string; cursor: number } {
  const at = Math.max(0, Math.min(cursor, text.length));
  const before = text.slice(0, at);
  const after = text.slice(at);
  const inserted = paths.map(mention).join(" ");
  const lead = before.length > 0 && !/\s$/.test(before) ? " " : "";
  const trail = after.length > 0 && !/^\s/.test(after) ? " " : after.length === 0 ? " " : "";
  const next = `${before}${lead}${inserted}${trail}${after}`;
  return { text: next, cursor: before.length + lead.length + inserted.length + trail.length };
}
