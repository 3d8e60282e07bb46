import { describe, expect, it } from "vitest";
import { readableTitle } from "./tool";

describe("tool call titles", () => {
  it("names Handoff's own tools by what they do, as every agent spells them", () => {
    expect(readableTitle("mcp__handoff__publish_file", ["/w/out/report.md"])).toBe("Publish report.md");
    expect(readableTitle("mcp__handoff/publish_file")).toBe("Publish a file");
    expect(readableTitle("mcp_handoff_publish_file")).toBe("Publish a file");
    expect(readableTitle("publish_file out/review.md")).toBe("Publish out/review.md");
    expect(readableTitle("mcp__handoff__list_uploads")).toBe("List the files you sent");
  });

  it("leaves any other title as the agent wrote it", () => {
    expect(readableTitle("Write out/made.md")).toBe("Write out/made.md");
    expect(readableTitle("mkdir -p out && printf x > out/made.md")).toBe("mkdir -p out && printf x > out/made.md");
    expect(readableTitle("publish_files_elsewhere")).toBe("publish_files_elsewhere");
  });
});
