import { describe, expect, it } from "vitest";
import { diffLines, kindLabel, readableTitle } from "./tool";

describe("tool call titles", () => {
  it("names Handoff's own tools by what they do, as every agent spells them", () => {
    expect(readableTitle("mcp__handoff__publish_file", ["/w/out/report.md"])).toBe("Publish report.md");
    expect(readableTitle("mcp__handoff/publish_file")).toBe("Publish a file");
    expect(readableTitle("mcp_handoff_publish_file")).toBe("Publish a file");
    expect(readableTitle("publish_file out/review.md")).toBe("Publish out/review.md");
    expect(readableTitle("mcp__handoff__list_uploads")).toBe("List the files you sent");
    expect(readableTitle("mcp.handoff.publish_file", ["/w/out/report.md"])).toBe("Publish report.md");
    expect(readableTitle("Tool: handoff/publish_file")).toBe("Publish a file");
  });

  it("leaves any other title as the agent wrote it", () => {
    expect(readableTitle("Write out/made.md")).toBe("Write out/made.md");
    expect(readableTitle("mkdir -p out && printf x > out/made.md")).toBe("mkdir -p out && printf x > out/made.md");
    expect(readableTitle("publish_files_elsewhere")).toBe("publish_files_elsewhere");
  });
});

describe("tool call kinds and diffs", () => {
  it("labels the named kinds only", () => {
    expect(kindLabel("execute")).toBe("Run");
    expect(kindLabel("read")).toBe("Read");
    expect(kindLabel(null)).toBeNull();
    expect(kindLabel("something_new")).toBeNull();
    // Handoff's own tools, however an agent titles and kinds them.
    expect(kindLabel("execute", "mcp.handoff.publish_file")).toBeNull();
    expect(kindLabel("execute", "Tool: handoff/publish_file")).toBeNull();
    expect(kindLabel("execute", "npm test")).toBe("Run");
  });

  it("drops git's headers before the first hunk", () => {
    expect(diffLines("diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n").map((l) => l.part)).toEqual(["hunk", "del", "add"]);
  });

  it("splits a unified diff without its file headers", () => {
    expect(diffLines("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")).toEqual([
      { text: "@@ -1 +1 @@", part: "hunk" },
      { text: "-a", part: "del" },
      { text: "+b", part: "add" },
    ]);
  });
});
