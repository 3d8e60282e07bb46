import { describe, expect, it } from "vitest";
import { fileOfPath, linkableFiles, linkPaths, worktreePathOf } from "./paths";
import type { FileInfo } from "../ipc";

const file = (id: number, path: string, status: FileInfo["status"] = "present"): FileInfo => ({
  id, filename: path.split("/").pop()!, path, size: 1, mime: "text/markdown", sniffedMime: null, destination: "worktree",
  status, direction: "made", displayName: null, description: null, revision: 1, createdAt: 0,
});

describe("paths in the agent's words", () => {
  const linkable = linkableFiles([file(3, "/w/out/report.md"), file(4, "/w/src/app.ts"), file(5, "/w/gone.md", "missing")], "/w");

  it("name files relative to the worktree or absolute, with a line allowed", () => {
    expect(fileOfPath("out/report.md", linkable)?.id).toBe(3);
    expect(fileOfPath("./out/report.md", linkable)?.id).toBe(3);
    expect(fileOfPath("/w/src/app.ts:12", linkable)?.id).toBe(4);
    expect(fileOfPath("src/app.ts:12:4", linkable)?.id).toBe(4);
    expect(fileOfPath("report.md", linkable)).toBeNull();
    expect(fileOfPath("gone.md", linkable)).toBeNull();
  });

  it("become links in a reply, in inline code too, never in code blocks or links", () => {
    const html = linkPaths(
      "<p>I wrote out/report.md and fixed <code>src/app.ts:12</code>; see <a data-href=\"https://x\">out/report.md</a>.</p><pre><code>cat out/report.md</code></pre>",
      linkable,
    );
    const box = document.createElement("div");
    box.innerHTML = html;
    const links = [...box.querySelectorAll("a.file-link")].map((a) => [a.getAttribute("data-file-id"), a.textContent]);
    expect(links).toEqual([["3", "out/report.md"], ["4", "src/app.ts:12"]]);
    expect(box.querySelector("pre")!.innerHTML).toBe("<code>cat out/report.md</code>");
    expect(box.textContent).toContain("I wrote out/report.md and fixed src/app.ts:12;");
  });

  it("give a mention the path from the worktree, none for a file outside it", () => {
    const known = linkableFiles([file(3, "/w/out/report.md"), file(6, "/tmp/agor-uploads/log.txt")], "/w");
    expect(worktreePathOf(3, known)).toBe("out/report.md");
    expect(worktreePathOf(6, known)).toBeNull();
    expect(worktreePathOf(99, known)).toBeNull();
  });

  it("leave a reply alone when no file is known", () => {
    expect(linkPaths("<p>out/report.md</p>", new Map())).toBe("<p>out/report.md</p>");
  });
});
