import { describe, expect, it } from "vitest";
import { formatEnv, hoursOf, joinArgs, parseEnv, secondsOf, splitArgs } from "./profile";

describe("agent arguments", () => {
  it("split like a shell", () => {
    expect(splitArgs("--acp  --model 'gpt 5' \"a \\\"b\\\"\" c\\ d ''")).toEqual(["--acp", "--model", "gpt 5", 'a "b"', "c d", ""]);
    expect(splitArgs("   ")).toEqual([]);
  });

  it("join back to a line that splits the same", () => {
    const args = ["--acp", "with space", "it's", "", "back\\slash"];
    expect(splitArgs(joinArgs(args))).toEqual(args);
    expect(joinArgs(["--acp", "x"])).toBe("--acp x");
  });
});

describe("agent environment", () => {
  it("parses NAME=value lines and reports the bad ones", () => {
    const { vars, errors } = parseEnv("API_KEY=abc=def\n\n  \nbad line\n1X=2\nEMPTY=");
    expect(vars).toEqual([{ name: "API_KEY", value: "abc=def" }, { name: "EMPTY", value: "" }]);
    expect(errors).toEqual(['line 4: "bad line" is not NAME=value', 'line 5: "1X=2" is not NAME=value']);
    expect(formatEnv(vars)).toBe("API_KEY=abc=def\nEMPTY=");
  });
});

describe("temp expiry", () => {
  it("shows hours and reads them back as seconds", () => {
    expect(hoursOf(86400)).toBe("24");
    expect(hoursOf(5400)).toBe("1.50");
    expect(secondsOf("1.5")).toBe(5400);
    expect(secondsOf("0")).toBe(0);
    expect(secondsOf("soon")).toBeNull();
    expect(secondsOf("-1")).toBeNull();
    expect(secondsOf("")).toBeNull();
  });
});
