import { describe, expect, it } from "vitest";
import type { ShareInfo } from "../ipc";
import { shareState } from "./share";

const share = (expiresAt: number, revokedAt: number | null = null): ShareInfo => ({
  id: 1, fileId: 2, filename: "a.png", url: "https://x", encrypted: false, createdAt: 0, expiresAt, revokedAt, live: true,
});

describe("share state", () => {
  it("says how long a link has left, or why it stopped", () => {
    const hour = 3_600_000;
    expect(shareState(share(24 * hour), 0)).toBe("expires in 24 h");
    expect(shareState(share(7 * 24 * hour), 0)).toBe("expires in 7 d");
    expect(shareState(share(90_000), 0)).toBe("expires in 2 min");
    expect(shareState(share(hour), 2 * hour)).toBe("expired");
    expect(shareState(share(hour, 10), 0)).toBe("revoked");
  });
});
