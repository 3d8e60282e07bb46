// The only module that talks to Tauri: commands (generated bindings),
// channels, and the window's drag-and-drop events.
import { Channel } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { commands, DEFAULT_MESSAGE, type ApiError, type Result } from "./bindings";
import { IpcFailure } from "./errors";

export { commands, DEFAULT_MESSAGE };
export type * from "./bindings";
/** An error as a command returns it: a kind to branch on, a message to show. */
export type IpcError = ApiError;

export { IpcFailure, errorMessage } from "./errors";

/** The data of a command's result, or throws its `{kind, message}`. */
export async function unwrap<T>(result: Promise<Result<T, ApiError>>): Promise<T> {
  const r = await result;
  if (r.status === "error") throw new IpcFailure(r.error);
  return r.data;
}

/** Calls `handler` whenever the app is asked to open files (a second
 *  launch, "Open with Handoff"); `commands.takeOpenedPaths` hands them out. */
export async function onOpened(handler: () => void): Promise<() => void> {
  return listen("handoff://opened", handler);
}

/** Calls `handler` with a session's id when the person activates a desktop
 *  notification about it (the window has come to the front). */
export async function onShowSession(handler: (sessionId: number) => void): Promise<() => void> {
  return listen<number>("handoff://show-session", (event) => handler(event.payload));
}

/** A channel that calls `onMessage` for every message Rust sends. */
export function channel<T>(onMessage: (message: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

/** A drag-and-drop event of the window, with real file paths. */
export type DragDrop =
  | { type: "enter" | "over"; paths: string[] }
  | { type: "drop"; paths: string[] }
  | { type: "leave" };

/** Listens to files dragged over and dropped on the window. */
export async function onDragDrop(handler: (event: DragDrop) => void): Promise<() => void> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload as { type: string; paths?: string[] };
    if (p.type === "leave") handler({ type: "leave" });
    else handler({ type: p.type as "enter" | "over" | "drop", paths: p.paths ?? [] });
  });
}

/** The URL of a recorded file's bytes (a picture or a PDF), served by id. */
export function fileUrl(id: number): string {
  return pictureUrl("file", id);
}

/** The URL of a picture served by id (`file`, `offer` or `paste`). */
export function pictureUrl(kind: "file" | "offer" | "paste", id: number): string {
  return `handoff://localhost/${kind}/${id}`;
}
