/** The `@query` being typed just before the cursor, if any. */
export function mentionQuery(text: string, cursor: number): { start: number; query: string } | null {
  const before = text.slice(0, cursor);
  const match = /(^|\s)@([^\s@"]*)$/.exec(before);
  if (!match) return null;
  return { start: before.length - match[2].length - 1, query: match[2] };
}

/**
 * How well `path` matches `query` as a subsequence (higher is better), or
 * null. A query without `/` matches the file's name only (so `@gam` finds
 * `game.rs`, not `.agor/uploads/empty.bin`); with one, the whole path.
 * Consecutive letters and letters in the file name count more.
 */
export function fuzzyScore(query: string, path: string): number | null {
  if (!query) return 0;
  const q = query.toLowerCase();
  const whole = path.toLowerCase();
  const p = q.includes("/") ? whole : whole.slice(whole.lastIndexOf("/") + 1);
  const nameStart = p.lastIndexOf("/") + 1;
  let score = 0;
  let last = -2;
  let at = 0;
  for (const ch of q) {
    const found = p.indexOf(ch, at);
    if (found < 0) return null;
    score += 1;
    if (found === last + 1) score += 3;
    if (found >= nameStart) score += 2;
    if (found === nameStart || "/._-".includes(p[found - 1] ?? "/")) score += 2;
    last = found;
    at = found + 1;
  }
  return score - whole.length * 0.01;
}

/** The best `limit` paths for `query`, keeping the given order among equals (uploads come first). */
export function bestMatches(query: string, paths: string[], limit = 8): string[] {
  return paths
    .map((path, index) => ({ path, index, score: fuzzyScore(query, path) }))
    .filter((m): m is { path: string; index: number; score: number } => m.score !== null)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((m) => m.path);
}
