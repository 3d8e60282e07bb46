import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Message } from "../ipc";

/** The conversations the mocked commands answer with, and the reads waiting. */
const pending: { id: number; answer: (messages: Message[]) => void }[] = [];

vi.mock("../ipc", async (real) => {
  const actual = await real<typeof import("../ipc")>();
  return {
    ...actual,
    channel: () => ({}),
    commands: {
      watchSession: async () => ({ status: "ok", data: null }),
      listMentionable: async () => ({ status: "ok", data: [] }),
      listMessages: (id: number) =>
        new Promise((ok) => pending.push({ id, answer: (messages) => ok({ status: "ok", data: messages }) })),
    },
  };
});

const { SessionState } = await import("./session.svelte");

const line = (sessionId: number, body: string): Message => ({
  id: body.length, seq: 1, role: "agent", kind: "text", body, data: null, createdAt: sessionId,
});

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Answers the oldest waiting read. */
async function answer(messages: Message[]) {
  await tick();
  const read = pending.shift();
  if (!read) throw new Error("no read is waiting");
  read.answer(messages);
  await tick();
}

describe("the session on screen", () => {
  beforeEach(() => {
    pending.length = 0;
  });

  it("reads again after a read that was running when a change came, the newer conversation winning", async () => {
    const state = new SessionState(() => {});
    const selected = state.select(1);
    await tick();
    const reloaded = state.reload(); // a change arrives during the first read
    await answer([line(1, "old")]);
    expect(state.messages.map((m) => m.body)).toEqual(["old"]);
    await answer([line(1, "old"), line(1, "newer")]);
    await Promise.all([selected, reloaded]);
    expect(state.messages.map((m) => m.body)).toEqual(["old", "newer"]);
    expect(pending).toHaveLength(0);
  });

  it("reads once more for ten changes during one read", async () => {
    const state = new SessionState(() => {});
    const selected = state.select(1);
    await tick();
    const reloads = Array.from({ length: 10 }, () => state.reload());
    await answer([line(1, "a")]);
    await answer([line(1, "a"), line(1, "b")]);
    await Promise.all([selected, ...reloads]);
    expect(pending).toHaveLength(0);
    expect(state.messages).toHaveLength(2);
  });

  it("never shows the old session's conversation in the new one", async () => {
    const state = new SessionState(() => {});
    void state.select(1);
    await tick();
    const second = state.select(2); // while session 1 is still being read
    await answer([line(1, "from session one")]);
    expect(state.messages).toEqual([]);
    await answer([line(2, "from session two")]);
    await second;
    expect(state.id).toBe(2);
    expect(state.messages.map((m) => m.body)).toEqual(["from session two"]);
  });
});
