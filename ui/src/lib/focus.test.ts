import { afterEach, describe, expect, it } from "vitest";
import { trapFocus } from "./focus";

afterEach(() => {
  document.body.innerHTML = "";
});

function press(key: string, shiftKey = false) {
  document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true }));
}

describe("a focus trap", () => {
  it("moves focus in, cycles Tab inside, and gives focus back", () => {
    document.body.innerHTML = `<textarea id="prompt"></textarea><div id="dialog"><button id="a">A</button><input id="b" /><button id="c">C</button></div>`;
    (document.getElementById("prompt") as HTMLElement).focus();
    const trap = trapFocus(document.getElementById("dialog")!);
    expect(document.activeElement?.id).toBe("a");
    press("Tab");
    press("Tab");
    expect(document.activeElement?.id).toBe("c");
    press("Tab");
    expect(document.activeElement?.id).toBe("a");
    press("Tab", true);
    expect(document.activeElement?.id).toBe("c");
    trap.destroy();
    expect(document.activeElement?.id).toBe("prompt");
  });

  it("leaves focus where a click elsewhere put it", () => {
    document.body.innerHTML = `<textarea id="prompt"></textarea><button id="card">Card</button><div id="dialog"><button id="a">A</button></div>`;
    (document.getElementById("prompt") as HTMLElement).focus();
    const trap = trapFocus(document.getElementById("dialog")!);
    (document.getElementById("card") as HTMLElement).focus();
    trap.destroy();
    expect(document.activeElement?.id).toBe("card");
  });
});
