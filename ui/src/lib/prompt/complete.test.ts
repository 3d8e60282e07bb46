import { describe, expect, it } from "vitest";
import { bestMatches, fuzzyScore, mentionQuery } from "./complete";

describe("@ completion", () => {
  it("finds the @query before the cursor", () => {
    expect(mentionQuery("look at @src/ma", 15)).toEqual({ start: 8, query: "src/ma" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("mail me@home", 12)).toBeNull();
    expect(mentionQuery("done @x then", 12)).toBeNull();
  });

  it("matches subsequences, preferring file names and runs", () => {
    expect(fuzzyScore("xyz", "src/main.rs")).toBeNull();
    const paths = ["docs/main-notes.md", "src/main.rs", "src/domain/manifest.rs"];
    expect(bestMatches("main", paths)[0]).toBe("src/main.rs");
    expect(bestMatches("mrs", paths)).toContain("src/main.rs");
  });

  it("keeps uploads first when nothing is typed", () => {
    expect(bestMatches("", [".agor/uploads/shot.png", "README.md"], 1)).toEqual([".agor/uploads/shot.png"]);
  });

  it("matches a query without a slash on the file name only", () => {
    expect(bestMatches("gam", [".agor/uploads/empty.bin", "src/game.rs"])).toEqual(["src/game.rs"]);
    expect(bestMatches("up/emp", [".agor/uploads/empty.bin", "src/game.rs"])).toEqual([".agor/uploads/empty.bin"]);
  });
});
