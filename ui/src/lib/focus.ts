// Keeps the keyboard inside a dialog while it is open: focus moves into it
// when it opens, Tab and Shift+Tab cycle through its controls only, and
// focus goes back where it was when it closes.

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Whether `el` is shown (it and every ancestor up to `root`). */
function shown(el: HTMLElement, root: HTMLElement): boolean {
  for (let at: HTMLElement | null = el; at && at !== root.parentElement; at = at.parentElement) {
    const style = getComputedStyle(at);
    if (style.display === "none" || style.visibility === "hidden") return false;
  }
  return true;
}

/** The controls of `root` that Tab reaches, in order. */
export function focusable(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => shown(el, root));
}

/** A Svelte action: traps focus in `node` while it is mounted. */
export function trapFocus(node: HTMLElement) {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const first = focusable(node).find((el) => el.dataset.autofocus !== undefined) ?? focusable(node)[0];
  (first ?? node).focus();

  function keydown(event: KeyboardEvent) {
    // Shift+Tab arrives as GTK's ISO_Left_Tab in WebKitGTK: tell Tab by its code.
    const tab = event.key === "Tab" || event.code === "Tab" || event.keyCode === 9;
    if (!tab) return;
    const controls = focusable(node);
    if (controls.length === 0) {
      event.preventDefault();
      return;
    }
    const at = controls.indexOf(document.activeElement as HTMLElement);
    const next = event.shiftKey ? (at <= 0 ? controls.length - 1 : at - 1) : at === controls.length - 1 || at < 0 ? 0 : at + 1;
    event.preventDefault();
    controls[next].focus();
  }

  node.addEventListener("keydown", keydown);
  return {
    destroy() {
      node.removeEventListener("keydown", keydown);
      // Only focus the dialog still holds goes back: a click that closed it
      // by focusing something else (another card, a row) keeps its place.
      const now = document.activeElement;
      const held = !now || now === document.body || node.contains(now);
      if (held && before && document.contains(before)) before.focus();
    },
  };
}
