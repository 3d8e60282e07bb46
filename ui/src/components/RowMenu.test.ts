import { afterEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import RowMenu from "./RowMenu.svelte";

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
});

/** A focused files-panel row with its menu open. */
function open() {
  document.body.innerHTML = `<div data-testid="file-row" tabindex="0"><button data-testid="row-menu">⋯</button></div><input id="elsewhere" />`;
  const row = document.querySelector<HTMLElement>("[data-testid=file-row]")!;
  row.focus();
  const onpick = vi.fn();
  const onclose = vi.fn();
  component = mount(RowMenu, { target: row, props: { direction: "to_agent", onpick, onclose } });
  flushSync();
  return { row, onpick, onclose };
}

function press(key: string) {
  document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}

const focused = () => (document.activeElement as HTMLElement).dataset.action;

describe("a files-panel row menu", () => {
  it("takes focus, moves with the arrows, and runs the item chosen with focus back on the row", () => {
    const { row, onpick, onclose } = open();
    expect(focused()).toBe("preview");
    press("ArrowDown");
    expect(focused()).toBe("open");
    press("ArrowUp");
    press("ArrowUp");
    expect(focused()).toBe("trash");
    press("Home");
    expect(focused()).toBe("preview");
    (document.querySelector("[data-action=reveal]") as HTMLElement).click();
    expect(onclose).toHaveBeenCalled();
    expect(onpick).toHaveBeenCalledWith("reveal");
    expect(document.activeElement).toBe(row);
  });

  it("closes on Esc without letting the key reach the window", () => {
    const { row, onclose } = open();
    const windowKeys = vi.fn();
    window.addEventListener("keydown", windowKeys);
    press("Escape");
    window.removeEventListener("keydown", windowKeys);
    expect(onclose).toHaveBeenCalledTimes(1);
    expect(windowKeys).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(row);
  });

  it("closes on a press elsewhere but not on its own button", () => {
    const { onclose } = open();
    document.querySelector("[data-testid=row-menu]")!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(onclose).not.toHaveBeenCalled();
    document.getElementById("elsewhere")!.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    expect(onclose).toHaveBeenCalledTimes(1);
  });
});
