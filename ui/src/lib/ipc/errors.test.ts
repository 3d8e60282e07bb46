import { describe, expect, it } from "vitest";
import { IpcFailure, errorMessage } from "./errors";

describe("errorMessage", () => {
  it("gives a command's message", () => {
    expect(errorMessage(new IpcFailure({ kind: "notFound", message: "a.png is no longer there" }))).toBe("a.png is no longer there");
  });

  it("gives the message of an error shape that was not unwrapped", () => {
    expect(errorMessage({ kind: "tooLarge", message: "4 kB is over the 1 kB limit" })).toBe("4 kB is over the 1 kB limit");
  });

  it("gives an Error's message and a string as it is", () => {
    expect(errorMessage(new TypeError("bad"))).toBe("bad");
    expect(errorMessage("plain")).toBe("plain");
  });

  it("never says [object Object]", () => {
    expect(errorMessage({ code: 3 })).toBe('{"code":3}');
    expect(errorMessage(undefined)).toBe("undefined");
    expect(errorMessage(null)).toBe("null");
  });
});
