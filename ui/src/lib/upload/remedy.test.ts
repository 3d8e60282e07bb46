import { describe, expect, it } from "vitest";
import { remedies, remedyFor } from "./remedy";

describe("remedies for files that were not saved", () => {
  it("offers the temp folder when the worktree's folder is not safe", () => {
    expect(remedyFor("unsafeDestination")?.retryInTemp).toBe(true);
    expect(remedyFor("noWorktree")?.retryInTemp).toBe(true);
  });

  it("points at the size limit for a file too large, without a retry", () => {
    expect(remedyFor("tooLarge")).toEqual({ hint: "Raise “Largest file” in Settings to send files this big.", retryInTemp: false });
  });

  it("has nothing to add for other failures", () => {
    expect(remedyFor("writeFailed")).toBeNull();
  });

  it("says each remedy once", () => {
    expect(remedies(["tooLarge", "tooLarge", "unsafeDestination", "writeFailed"]).map((r) => r.retryInTemp)).toEqual([false, true]);
  });
});
