// Paths in what the agent says that name a file Handoff knows (one it made
// in a turn, one you sent, one it published) become links that open the
// file's preview: `out/report.md`, `/w/src/app.ts:12`.

import type { FileInfo } from "../ipc";
import { isGone } from "../files/panel";

/** A file a path can open. */
export interface LinkedFile {
  id: number;
  name: string;
}

/** The files paths can open, by their path relative to the worktree and
 *  by their absolute path. */
export type Linkable = Map<string, LinkedFile>;

/** The files of a worktree that are still there, by path. */
export function linkableFiles(files: FileInfo[], root: string | null): Linkable {
  const linkable: Linkable = new Map();
  for (const f of files) {
    if (isGone(f.status)) continue;
    const file = { id: f.id, name: f.displayName ?? f.filename };
    linkable.set(f.path, file);
    if (root && f.path.startsWith(`${root}/`)) linkable.set(f.path.slice(root.length + 1), file);
  }
  return linkable;
}

/** The path relative to the worktree of the known file `id`, as a
 *  mention writes it; `null` for a file outside the worktree. */
export function worktreePathOf(id: number, linkable: Linkable): string | null {
  for (const [path, file] of linkable) if (file.id === id && !path.startsWith("/")) return path;
  return null;
}

/** Path-like words: folders and a name with an extension, absolute,
 *  relative or `./`-led, with a `:line` (and `:column`) allowed. */
const PATH = /(?:\.{0,2}\/)?(?:[\w@+.-]+\/)*[\w@+-][\w@+.-]*\.[A-Za-z0-9]+(?::\d+){0,2}/g;

/** The file a path-like word names, if Handoff knows it. */
export function fileOfPath(word: string, linkable: Linkable): LinkedFile | null {
  const path = word.replace(/(?::\d+){1,2}$/, "").replace(/^\.\//, "");
  return linkable.get(path) ?? null;
}

/** `html` (already sanitized) with each path that names a known file
 *  wrapped in a link to it; text inside links and code blocks is left as
 *  it is. */
export function linkPaths(html: string, linkable: Linkable): string {
  if (linkable.size === 0) return html;
  const template = document.createElement("template");
  template.innerHTML = html;
  const walker = document.createTreeWalker(template.content, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!(node.parentElement?.closest("a, pre"))) texts.push(node as Text);
  }
  for (const text of texts) link(text, linkable);
  return template.innerHTML;
}

function link(text: Text, linkable: Linkable) {
  const value = text.data;
  const parts: Node[] = [];
  let at = 0;
  for (const match of value.matchAll(PATH)) {
    const file = fileOfPath(match[0], linkable);
    if (!file) continue;
    const start = match.index ?? 0;
    if (start > at) parts.push(document.createTextNode(value.slice(at, start)));
    const a = document.createElement("a");
    a.className = "file-link";
    a.setAttribute("data-file-id", String(file.id));
    a.setAttribute("title", `Preview ${file.name}`);
    a.setAttribute("tabindex", "0");
    a.textContent = match[0];
    parts.push(a);
    at = start + match[0].length;
  }
  if (parts.length === 0) return;
  if (at < value.length) parts.push(document.createTextNode(value.slice(at)));
  text.replaceWith(...parts);
}
