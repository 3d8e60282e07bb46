import { describe, expect, it } from "vitest";
import { fileUriToPath, routePaste } from "./paste";

describe("paste routing", () => {
  it("asks Rust when the page got nothing (a pasted image on Linux)", () => {
    expect(routePaste({ fileCount: 0, text: "" })).toEqual({ kind: "askRust" });
  });

  it("takes files the page did receive", () => {
    expect(routePaste({ fileCount: 2, text: "" })).toEqual({ kind: "files" });
  });

  it("turns copied files into paths", () => {
    const text = "file:///home/me/shot%201.png\r\nfile:///home/me/log.txt\n";
    expect(routePaste({ fileCount: 0, text })).toEqual({ kind: "uris", paths: ["/home/me/shot 1.png", "/home/me/log.txt"] });
  });

  it("offers long text as a file and pastes short text normally", () => {
    expect(routePaste({ fileCount: 0, text: "x".repeat(5001) }).kind).toBe("longText");
    expect(routePaste({ fileCount: 0, text: "x".repeat(5000) }).kind).toBe("native");
    expect(routePaste({ fileCount: 0, text: "see file:///tmp/a" }).kind).toBe("native");
  });

  it("decodes file URIs", () => {
    expect(fileUriToPath("file://localhost/tmp/%C3%A9t%C3%A9.txt")).toBe("/tmp/été.txt");
  });
});
