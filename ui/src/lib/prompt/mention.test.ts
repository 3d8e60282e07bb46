import { describe, expect, it } from "vitest";
import { insertMentions, mention } from "./mention";

describe("mentions", () => {
  it("quotes paths with spaces", () => {
    expect(mention(".agor/uploads/a.png")).toBe("@.agor/uploads/a.png");
    expect(mention(".agor/uploads/screen shot.png")).toBe('@".agor/uploads/screen shot.png"');
  });

  it("inserts at the cursor with single spaces around", () => {
    expect(insertMentions("look at  please", 8, ["a.txt"])).toEqual({ text: "look at @a.txt please", cursor: 14 });
    expect(insertMentions("see", 3, ["a b.txt", "c.txt"])).toEqual({ text: 'see @"a b.txt" @c.txt ', cursor: 22 });
    expect(insertMentions("", 0, ["x"])).toEqual({ text: "@x ", cursor: 3 });
  });

  it("clamps a cursor past the end", () => {
    expect(insertMentions("hi", 99, ["x"]).text).toBe("hi @x ");
  });
});
