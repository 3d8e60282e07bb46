import { Marked, marked } from "marked";
import DOMPurify from "dompurify";

/**
 * Markdown rendered to HTML that cannot run or fetch anything: no script,
 * no event handlers, no styles, no forms or frames; pictures are kept only
 * when they are inline `data:` images (anything else would be a load from
 * the network or from a path the store does not know) and otherwise become
 * their alt text; links keep their address for the person to open.
 */
export function renderMarkdown(source: string): string {
  return sanitize(marked.parse(source, { async: false, gfm: true }));
}

/** HTML written into an agent's reply is shown as text, never made into
 *  elements; a line break is a break, as the agent streamed it. */
const replies = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html: ({ text }) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
  },
});

/**
 * An agent's reply as Markdown, with the preview's rules (nothing runs or
 * loads; links are kept for the app to open) and raw HTML shown as text.
 * Each code block comes with a Copy button (`button.copy`, before its
 * `pre`), for the page to wire.
 */
export function renderReply(source: string): string {
  const html = sanitize(replies.parse(source, { async: false }));
  return html
    .replace(/<pre>/g, '<div class="code"><button type="button" class="copy" title="Copy the code">Copy</button><pre>')
    .replace(/<\/pre>/g, "</pre></div>");
}

function sanitize(html: string): string {
  const purify = DOMPurify();
  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName !== "img" || !(node instanceof Element)) return;
    const src = node.getAttribute("src") ?? "";
    if (/^data:image\/(png|jpeg|gif|webp);/i.test(src)) return;
    const alt = node.getAttribute("alt") || "image";
    node.replaceWith(node.ownerDocument.createTextNode(`[${alt}]`));
  });
  purify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      const href = node.getAttribute("href") ?? "";
      node.removeAttribute("href");
      if (/^https?:\/\//i.test(href)) node.setAttribute("data-href", href);
      node.setAttribute("title", href);
    }
  });
  return purify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "video", "audio", "source", "link", "meta", "base", "svg", "math"],
    FORBID_ATTR: ["style", "srcset", "action", "formaction", "background", "poster"],
  });
}
