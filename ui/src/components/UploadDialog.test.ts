import { afterEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import UploadDialog from "./UploadDialog.svelte";
import type { OfferedFile } from "../lib/ipc/bindings";
import { itemsFromOffers } from "../lib/upload/dialog";

// The upload runs in Rust: here it reports progress, then takes as long as
// the test says (a slow source).
let report: ((p: unknown) => void) | null = null;
let finish: (() => void) | null = null;
vi.mock("../lib/ipc", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../lib/ipc")>()),
  pictureUrl: () => "",
  channel: (onMessage: (p: unknown) => void) => {
    report = onMessage;
    return {};
  },
  unwrap: (p: Promise<unknown>) => p,
  commands: {
    uploadFiles: () => new Promise((resolve) => (finish = () => resolve({ outcomes: [], unrecorded: null }))),
    takenNames: (_session: number, destination: string, names: string[]) =>
      Promise.resolve(destination === "worktree" ? names.filter((n) => n === "big.iso") : []),
  },
}));

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
  vi.useRealTimers();
});

const big: OfferedFile = { offerId: 1, path: "/home/me/big.iso", name: "big.iso", size: 45_000_000, isDir: false, mime: "application/octet-stream", problem: null, files: 1, skipped: 0 };

function open() {
  component = mount(UploadDialog, {
    target: document.body,
    props: {
      sessionId: 1, items: itemsFromOffers([big]), origin: "drop",
      destinations: { worktree: "/w/.agor/uploads", temp: "/tmp/agor-uploads", global: "/home/me/.agor/uploads", default: "worktree", maxFileSize: 100_000_000, maxBatchFiles: 10, onConflict: "keep-both" },
      onclose: () => {}, ondone: () => {}, onpasteastext: () => {},
    },
  });
  flushSync();
}

describe("the upload dialog's progress", () => {
  it("shows nothing for a quick upload and the bytes copied once it takes 300 ms", async () => {
    vi.useFakeTimers();
    open();
    (document.querySelector("[data-testid=upload]") as HTMLElement).click();
    flushSync();
    report!({ item: 0, itemDone: 9_000_000, itemTotal: 45_000_000, batchDone: 9_000_000, batchTotal: 45_000_000 });
    vi.advanceTimersByTime(200);
    flushSync();
    expect(document.querySelector("[data-testid=upload-progress]")).toBeNull();
    vi.advanceTimersByTime(150);
    flushSync();
    const shown = document.querySelector("[data-testid=upload-progress]")!;
    expect(shown.textContent).toContain("Copying… 9 MB of 45 MB");
    finish!();
    await vi.runAllTimersAsync();
    flushSync();
    expect(document.querySelector("[data-testid=upload-progress]")).toBeNull();
  });
});

describe("the upload dialog's name clash", () => {
  it("says a name is taken in the chosen folder, and what the choice will do", async () => {
    open();
    await vi.waitFor(() => expect(document.querySelector("[data-testid=item-taken]")).not.toBeNull());
    expect(document.querySelector("[data-testid=item-taken]")!.textContent).toContain("kept beside it, numbered");
    (document.querySelector("input[value=replace]") as HTMLInputElement).click();
    flushSync();
    expect(document.querySelector("[data-testid=item-taken]")!.textContent).toContain("Replace overwrites it");
    (document.querySelector("input[value=temp]") as HTMLInputElement).click();
    await vi.waitFor(() => expect(document.querySelector("[data-testid=item-taken]")).toBeNull());
  });
});
