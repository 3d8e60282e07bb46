// Builds the viewer page of encrypted share links: one self-contained HTML
// file (script and style inline, allowed by their hashes in its CSP), which
// Handoff uploads to the bucket and embeds at build time.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
export const OUTPUT = here("../../crates/handoff-core/src/share/viewer.html");

/** The page as Handoff embeds it now. */
export function committedPage() {
  return readFileSync(OUTPUT, "utf8");
}

/** The page's text. */
export async function viewerPage() {
  const bundled = await build({
    entryPoints: [here("main.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2022",
    write: false,
    legalComments: "none",
  });
  const script = bundled.outputFiles[0].text.trim().replaceAll("</script", "<\\/script");
  const style = readFileSync(here("style.css"), "utf8").trim();
  const hash = (text) => `sha256-${createHash("sha256").update(text).digest("base64")}`;
  return readFileSync(here("page.html"), "utf8")
    .replace("%SCRIPT_HASH%", hash(script))
    .replace("%STYLE_HASH%", hash(style))
    .replace("%STYLE%", () => style)
    .replace("%SCRIPT%", () => script);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT, await viewerPage());
}
