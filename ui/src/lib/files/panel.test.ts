import { describe, expect, it } from "vitest";
import type { FileInfo, UntrackedFile } from "../ipc/bindings";
import { age, indexFiles, matches, panelRows, visibleRange, ROW_HEIGHT, actionForKey, folderOf, rowActions } from "./panel";

const file = (id: number, over: Partial<FileInfo> = {}): FileInfo => ({
  id, filename: `f${id}.txt`, path: `/w/.agor/uploads/f${id}.txt`, size: 1, mime: "text/plain", sniffedMime: null,
  destination: "worktree", status: "present", direction: "to_agent", displayName: null, description: null,
  revision: 1, createdAt: id, ...over,
});

describe("files panel", () => {
  it("splits sent, published and made files, newest first", () => {
    const rows = panelRows(indexFiles([file(1), file(3), file(2, { direction: "from_agent", displayName: "Report" }), file(4, { direction: "made", path: "/w/out/chart.svg" })]), "");
    expect(rows.map((r) => (r.kind === "header" ? `${r.title} (${r.count})` : r.kind === "file" ? r.file.id : r.file.name))).toEqual([
      "Sent to agent (2)", 3, 1, "From agent (1)", 2, "Made by the agent (1)", 4,
    ]);
  });

  it("filters on name, display name, status and type", () => {
    const one = (f: FileInfo) => indexFiles([f])[0];
    expect(matches(one(file(1)), "F1")).toBe(true);
    expect(matches(one(file(2, { displayName: "Weekly Report" })), "weekly")).toBe(true);
    expect(matches(one(file(3, { status: "missing" })), "missing")).toBe(true);
    expect(matches(one(file(4)), "png")).toBe(false);
    expect(panelRows(indexFiles([file(1), file(2)]), "f2").filter((r) => r.kind === "file")).toHaveLength(1);
  });

  it("lists files found with no record last, filtered too", () => {
    const found: UntrackedFile[] = [
      { path: "/w/.agor/uploads/notes.md", name: "notes.md", destination: "worktree", size: 5, modifiedAt: 0 },
      { path: "/tmp/agor-uploads/log.txt", name: "log.txt", destination: "temp", size: 9, modifiedAt: 0 },
    ];
    const label = (r: ReturnType<typeof panelRows>[number]) => (r.kind === "header" ? `${r.title} (${r.count})` : r.kind === "file" ? r.file.id : r.file.name);
    expect(panelRows(indexFiles([file(1)]), "", found).map(label)).toEqual(["Sent to agent (1)", 1, "From agent (0)", "Made by the agent (0)", "Not recorded (2)", "notes.md", "log.txt"]);
    expect(panelRows(indexFiles([file(1)]), "temp", found).map(label)).toEqual(["Sent to agent (0)", "From agent (0)", "Made by the agent (0)", "Not recorded (1)", "log.txt"]);
    expect(panelRows(indexFiles([file(1)]), "", []).map(label)).toEqual(["Sent to agent (1)", 1, "From agent (0)", "Made by the agent (0)"]);
  });

  it("renders only the rows in view", () => {
    expect(visibleRange(10_000, 100 * ROW_HEIGHT, 10 * ROW_HEIGHT)).toEqual({ start: 94, end: 116 });
    expect(visibleRange(5, 0, 1000)).toEqual({ start: 0, end: 5 });
  });

  it("says how long ago", () => {
    expect(age(120_000, 0)).toBe("2 min");
    expect(age(0, 0)).toBe("now");
    expect(age(2 * 86_400_000, 0)).toBe("2 d");
  });
});

describe("row actions", () => {
  it("offers mention and send again only for files sent to the agent, each with a key", () => {
    expect(rowActions("from_agent").map((a) => a.action)).toEqual(["preview", "open", "reveal", "copy", "save", "share", "trash"]);
    expect(actionForKey("to_agent", "M")).toBe("mention");
    expect(actionForKey("from_agent", "m")).toBeNull();
    expect(actionForKey("to_agent", " ")).toBe("preview");
    expect(actionForKey("to_agent", "Delete")).toBe("trash");
  });

  it("offers no folder to show for a file on a remote machine, and deletes it there", () => {
    const actions = rowActions("to_agent", "devbox");
    expect(actions.map((a) => a.action)).not.toContain("reveal");
    expect(actions.find((a) => a.action === "trash")?.label).toBe("Delete from devbox");
    expect(actionForKey("to_agent", "r", "devbox")).toBeNull();
    expect(actionForKey("to_agent", "r")).toBe("reveal");
  });

  it("keeps only the path of a file whose bytes are gone", () => {
    for (const status of ["missing", "deleted", "expired", "replaced"] as const) {
      expect(rowActions("to_agent", null, status).map((a) => a.action)).toEqual(["copy"]);
      expect(actionForKey("to_agent", "Enter", null, status)).toBeNull();
    }
    expect(rowActions("to_agent", null, "modified").map((a) => a.action)).toContain("preview");
  });

  it("names the folder of a file inside the worktree relatively", () => {
    expect(folderOf("/w/.agor/uploads/proj (1)/a.txt", "/w")).toBe(".agor/uploads/proj (1)");
    expect(folderOf("/tmp/agor-uploads/a.txt", "/w")).toBe("/tmp/agor-uploads");
  });
});
