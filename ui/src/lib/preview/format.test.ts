import { describe, expect, it } from "vitest";
import { parseCsv, prettyJson, textView } from "./format";

describe("previews", () => {
  it("parses CSV with quotes and CRLF", () => {
    expect(parseCsv('name,note\r\n"Smith, J","said ""hi"""\nx,\n')).toEqual([["name", "note"], ["Smith, J", 'said "hi"'], ["x", ""]]);
    expect(parseCsv("a\nb\nc", 2)).toEqual([["a"], ["b"]]);
  });

  it("pretty-prints JSON and leaves broken JSON alone", () => {
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyJson("{nope")).toBe("{nope");
  });

  it("shows SVG and HTML as source", () => {
    expect(textView("image/svg+xml")).toBe("plain");
    expect(textView("text/html")).toBe("plain");
    expect(textView("text/csv")).toBe("csv");
    expect(textView("application/json")).toBe("json");
  });
});
