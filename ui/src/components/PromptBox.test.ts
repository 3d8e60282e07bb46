import { afterEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import PromptBox from "./PromptBox.svelte";

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
});

function show(enterSends: boolean) {
  const onsend = vi.fn();
  component = mount(PromptBox, {
    target: document.body,
    props: {
      dragging: false, busy: false, mentionable: [], modes: null, enterSends, onsend,
      oncancel: vi.fn(), onattach: vi.fn(), onpaste: vi.fn(), onloadmodes: vi.fn(), onmode: vi.fn(), onsetting: vi.fn(),
    },
  });
  flushSync();
  const box = document.querySelector<HTMLTextAreaElement>("[data-testid=prompt-input]")!;
  box.value = "fix the build";
  box.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
  /** Presses Enter with these modifiers; whether the page kept the key (a new line). */
  const enter = (mods: KeyboardEventInit = {}) => {
    const event = new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true, ...mods });
    box.dispatchEvent(event);
    flushSync();
    return !event.defaultPrevented;
  };
  return { onsend, enter, box };
}

describe("sending from the prompt box", () => {
  it("sends on Enter and adds a line on Shift+Enter, as chat apps do", () => {
    const { onsend, enter, box } = show(true);
    expect(box.placeholder).toContain("Enter to send, Shift+Enter for a new line");
    expect(enter({ shiftKey: true })).toBe(true);
    expect(onsend).not.toHaveBeenCalled();
    expect(enter({ isComposing: true } as KeyboardEventInit)).toBe(true);
    expect(onsend).not.toHaveBeenCalled();
    expect(enter()).toBe(false);
    expect(onsend).toHaveBeenCalledWith("fix the build");
  });

  it("with the other setting, Enter adds a line and Ctrl+Enter sends", () => {
    const { onsend, enter, box } = show(false);
    expect(box.placeholder).toContain("Ctrl+Enter to send");
    expect(enter()).toBe(true);
    expect(onsend).not.toHaveBeenCalled();
    expect(enter({ ctrlKey: true })).toBe(false);
    expect(onsend).toHaveBeenCalledWith("fix the build");
  });
});
