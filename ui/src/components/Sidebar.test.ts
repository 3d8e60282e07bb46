import { afterEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, tick, unmount } from "svelte";
import Sidebar from "./Sidebar.svelte";
import type { Worktree } from "../lib/ipc";

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
});

const remote: Worktree = { id: 2, path: "devbox:/home/me/app", name: "app on devbox", host: "devbox", folder: "/home/me/app" };
const local: Worktree = { id: 1, path: "/home/me/src/site", name: "site", host: null, folder: "/home/me/src/site" };

function show(onaddremote: (spec: string) => Promise<string | null>) {
  component = mount(Sidebar, {
    target: document.body,
    props: {
      worktrees: [local, remote], sessions: [], profiles: [], current: null,
      onselect: vi.fn(), onnewsession: vi.fn(), onaddworktree: vi.fn(), onaddremote, onrename: vi.fn(), onsettings: vi.fn(),
    },
  });
  flushSync();
}

const q = <T extends Element>(css: string) => document.querySelector<T>(css);

async function submit(spec: string) {
  const input = q<HTMLInputElement>("[data-testid=remote-spec]")!;
  input.value = spec;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
  q<HTMLFormElement>("[data-testid=remote-form]")!.requestSubmit();
  await tick();
  await Promise.resolve();
  flushSync();
}

describe("the sidebar's remote worktrees", () => {
  it("marks a remote worktree, and only it, as reached over SSH", () => {
    show(vi.fn());
    const badges = document.querySelectorAll("[data-testid=remote-badge]");
    expect(badges).toHaveLength(1);
    expect(badges[0].getAttribute("title")).toBe("On devbox, reached over SSH");
  });

  it("keeps the form and says why when connecting fails, and closes it once added", async () => {
    const onaddremote = vi.fn()
      .mockResolvedValueOnce("devbox refused your key (Permission denied). Add your public key…")
      .mockResolvedValueOnce(null);
    show(onaddremote);
    q<HTMLButtonElement>("[data-testid=add-remote]")!.click();
    flushSync();
    await submit("  devbox:/home/me/app  ");
    expect(onaddremote).toHaveBeenCalledWith("devbox:/home/me/app");
    expect(q("[data-testid=remote-error]")?.textContent).toContain("refused your key");
    expect(q("[data-testid=remote-form]")).not.toBeNull();
    await submit("devbox:/home/me/app");
    expect(q("[data-testid=remote-form]")).toBeNull();
  });

  it("closes on Escape without connecting", () => {
    const onaddremote = vi.fn();
    show(onaddremote);
    q<HTMLButtonElement>("[data-testid=add-remote]")!.click();
    flushSync();
    q("[data-testid=remote-spec]")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    flushSync();
    expect(q("[data-testid=remote-form]")).toBeNull();
    expect(onaddremote).not.toHaveBeenCalled();
  });

  it("closes on Escape from its buttons too, and gives the keyboard back to the button that opened it", () => {
    show(vi.fn());
    const toggle = q<HTMLButtonElement>("[data-testid=add-remote]")!;
    toggle.click();
    flushSync();
    const cancel = [...document.querySelectorAll<HTMLButtonElement>("[data-testid=remote-form] button")].find((b) => b.textContent === "Cancel")!;
    cancel.focus();
    cancel.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    flushSync();
    expect(q("[data-testid=remote-form]")).toBeNull();
    expect(document.activeElement).toBe(toggle);
  });

  it("closes on Escape when the keyboard is still on the button that opened it", () => {
    show(vi.fn());
    const toggle = q<HTMLButtonElement>("[data-testid=add-remote]")!;
    toggle.click();
    flushSync();
    toggle.focus();
    toggle.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    flushSync();
    expect(q("[data-testid=remote-form]")).toBeNull();
  });
});
