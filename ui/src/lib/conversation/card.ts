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

/** The card of a `published` message; nothing for any other line. */
export function cardOf(message: Message): Card | null {
  const data = message.data;
  if (data?.type !== "published") return null;
  const [type, icon]: [string, FileIcon] = data.mime ? describeType(data.mime) : ["File", "file"];
  return {
    fileId: data.fileId,
    name: data.name,
    type,
    size: formatSize(data.size),
    description: data.description?.trim() ? data.description : null,
    revision: data.revision,
    icon,
  };
}

/** What a card can do: preview on Enter or a click, the rest from its buttons. */
/** What can be done with a card or a made file; `drag` drags it out of the
 *  window as the file itself. */
export type CardAction = "preview" | "save" | "open" | "reveal" | "share" | "keep" | "mention" | "drag";

/** A card's buttons in order, each with the key that runs it on a focused
 *  card (the files panel's keys for the same actions). The card is one Tab
 *  stop: its buttons are for the pointer, its keys for the keyboard. */
export const CARD_BUTTONS: { action: Exclude<CardAction, "preview" | "keep" | "mention" | "drag">; label: string; key: string }[] = [
  { action: "save", label: "Save as…", key: "a" },
  { action: "open", label: "Open", key: "o" },
  { action: "reveal", label: "Reveal", key: "r" },
  { action: "share", label: "Share…", key: "l" },
];

/** A made file's buttons: the card's, Keep (a snapshot of it as it is
 *  now, so later edits do not change it) and Mention (its path into the
 *  message being written, the files panel's `m`). */
export const MADE_BUTTONS: { action: Exclude<CardAction, "preview" | "drag">; label: string; key: string }[] = [
  { action: "keep", label: "Keep", key: "k" },
  ...CARD_BUTTONS,
  { action: "mention", label: "Mention", key: "m" },
];

/** The action a key pressed on a focused card (or made file) stands for. */
export function cardActionForKey(key: string, buttons: { action: CardAction; key: string }[] = CARD_BUTTONS): CardAction | null {
  if (key === "Enter" || key === " ") return "preview";
  const k = key.length === 1 ? key.toLowerCase() : key;
  return buttons.find((b) => b.key === k)?.action ?? null;
}
