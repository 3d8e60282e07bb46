import { describe, expect, it } from "vitest";
import type { Message } from "../ipc/bindings";
import { CARD_BUTTONS, MADE_BUTTONS, cardActionForKey, cardOf } from "./card";
import { describeType } from "../filetype";

type CardData = Extract<NonNullable<Message["data"]>, { type: "published" }>;

function published(body: string, data: Partial<CardData>): Message {
  const card: CardData = { type: "published", fileId: 1, revision: 1, name: "a", mime: "", size: 0, description: null, ...data };
  return { id: 1, seq: 1, role: "agent", kind: "published", body, data: card, createdAt: 0 };
}

describe("cardOf", () => {
  it("shows name, type, size, description and revision", () => {
    const card = cardOf(published("Published report.md (v2, 1.2 kB)", {
      fileId: 7, revision: 2, name: "report.md", mime: "text/markdown", size: 1234, description: "What I found",
    }));
    expect(card).toEqual({ fileId: 7, name: "report.md", type: "Markdown", size: "1.2 kB", description: "What I found", revision: 2, icon: "text" });
  });

  it("says File when the type is not known", () => {
    const card = cardOf(published("Published Weekly report (v3, 10 kB)", { fileId: 3, revision: 3, name: "Weekly report", size: 10_000 }))!;
    expect(card.name).toBe("Weekly report");
    expect(card.revision).toBe(3);
    expect(card.type).toBe("File");
    expect(card.description).toBeNull();
  });

  it("treats a blank description as none", () => {
    expect(cardOf(published("Published a", { fileId: 1, name: "a", description: "  " }))!.description).toBeNull();
  });

  it("is nothing for another line", () => {
    expect(cardOf({ id: 2, seq: 2, role: "agent", kind: "text", body: "hi", data: null, createdAt: 0 })).toBeNull();
  });
});

describe("describeType", () => {
  it("labels common types and picks an icon", () => {
    expect(describeType("image/png")).toEqual(["PNG image", "image"]);
    expect(describeType("text/csv")).toEqual(["CSV table", "table"]);
    expect(describeType("application/pdf")).toEqual(["PDF document", "pdf"]);
    expect(describeType("image/tiff")).toEqual(["TIFF image", "image"]);
    expect(describeType("application/x-tar")).toEqual(["application/x-tar", "file"]);
  });
});

describe("cardActionForKey", () => {
  it("previews on Enter or Space and runs a button's action on its key, in either case", () => {
    expect(cardActionForKey("Enter")).toBe("preview");
    expect(cardActionForKey(" ")).toBe("preview");
    expect(CARD_BUTTONS.map((b) => cardActionForKey(b.key.toUpperCase()))).toEqual(["save", "open", "reveal", "share"]);
    expect(cardActionForKey("x")).toBeNull();
    expect(cardActionForKey("Tab")).toBeNull();
  });

  it("gives a made file Keep and Mention besides the card's buttons, each on its own key", () => {
    expect(MADE_BUTTONS.map((b) => cardActionForKey(b.key, MADE_BUTTONS))).toEqual(["keep", "save", "open", "reveal", "share", "mention"]);
    expect(new Set(MADE_BUTTONS.map((b) => b.key)).size).toBe(MADE_BUTTONS.length);
  });
});
