// @vitest-environment node
import { describe, expect, it } from "vitest";
import { parseFragment, previewKind, refusal } from "./link";
// @ts-expect-error: a plain ES module without types
import { committedPage, viewerPage } from "./build.mjs";

const KEY = "AGE-SECRET-KEY-1" + "Q".repeat(58);
const ORIGIN = "http://127.0.0.1:3900";
const fragment = (key: string, url: string) => `#k=${key}&u=${encodeURIComponent(url)}&n=shot.png&t=image%2Fpng`;

describe("encrypted share links", () => {
  it("reads the key, the object's link, the name and the type from the fragment", () => {
    const link = parseFragment(fragment(KEY, `${ORIGIN}/b/x/shot.png.age?X-Amz-Signature=1`), ORIGIN);
    expect(link).toEqual({ key: KEY, url: `${ORIGIN}/b/x/shot.png.age?X-Amz-Signature=1`, name: "shot.png", type: "image/png" });
  });

  it("calls a link damaged when its key is cut or its object is elsewhere", () => {
    expect(parseFragment(fragment(KEY.slice(0, -1), `${ORIGIN}/b/x`), ORIGIN)).toBeNull();
    expect(parseFragment(fragment(KEY, "https://evil.example/x"), ORIGIN)).toBeNull();
    expect(parseFragment("", ORIGIN)).toBeNull();
  });

  it("previews pictures, PDFs and text", () => {
    expect(previewKind("image/png")).toBe("image");
    expect(previewKind("application/pdf")).toBe("pdf");
    expect(previewKind("text/markdown")).toBe("text");
    expect(previewKind("image/svg+xml")).toBe("none");
  });

  it("says what a refusal means", () => {
    expect(refusal(404, "<Error><Code>NoSuchKey</Code></Error>")).toMatch(/revoked/);
    expect(refusal(403, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")).toMatch(/expired/);
    expect(refusal(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>")).toMatch(/damaged/);
    expect(refusal(403, "<Error><Code>AccessDenied</Code><Message>Forbidden: Invalid signature</Message></Error>")).toMatch(/damaged/);
    expect(refusal(400, "<Error><Code>InvalidRequest</Code><Message>Bad request: Date is too old</Message></Error>")).toMatch(/expired/);
  });

  it("is embedded in Handoff as built from these sources", async () => {
    expect(committedPage()).toBe(await viewerPage());
  });
});
