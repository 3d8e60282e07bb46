import type { ErrorKind } from "../ipc/bindings";

/** What the upload dialog offers for a file that was not saved, by the
 *  kind of failure: words for the person, and a step it can take itself. */
export interface Remedy {
  hint: string;
  /** The dialog can retry the failed files in the temp folder. */
  retryInTemp: boolean;
}

/** The remedy for a failure of `kind`, when there is one. */
export function remedyFor(kind: ErrorKind): Remedy | null {
  switch (kind) {
    case "unsafeDestination":
    case "noWorktree":
      return { hint: "The worktree's uploads folder cannot be written safely; the temp folder can be used instead.", retryInTemp: true };
    case "tooLarge":
      return { hint: "Raise “Largest file” in Settings to send files this big.", retryInTemp: false };
    case "notFound":
      return { hint: "It was moved or deleted before it could be saved.", retryInTemp: false };
    case "unreadable":
      return { hint: "Handoff may not read it: check its permissions.", retryInTemp: false };
    default:
      return null;
  }
}

/** The remedies for the failed rows, each once, in order. */
export function remedies(kinds: ErrorKind[]): Remedy[] {
  const seen = new Set<string>();
  return kinds.flatMap((kind) => {
    const remedy = remedyFor(kind);
    if (!remedy || seen.has(remedy.hint)) return [];
    seen.add(remedy.hint);
    return [remedy];
  });
}
