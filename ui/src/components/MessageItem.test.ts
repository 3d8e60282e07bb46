import { afterEach, describe, expect, it, vi } from "vitest";
import { flushSync, mount, unmount } from "svelte";
import MessageItem from "./MessageItem.svelte";
import type { Message } from "../lib/ipc/bindings";

const copyText = vi.fn(async (_text: string) => ({ status: "ok" }));
const openLink = vi.fn(async (_url: string) => ({ status: "ok" }));
vi.mock("../lib/ipc", () => ({
  pictureUrl: (kind: string, id: number) => `handoff://localhost/${kind}/${id}`,
  commands: { copyText: (text: string) => copyText(text), openLink: (url: string) => openLink(url) },
}));

let component: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (component) unmount(component);
  component = null;
  document.body.innerHTML = "";
});

function render(message: Message, onretry = vi.fn()) {
  const onfile = vi.fn();
  component = mount(MessageItem, { target: document.body, props: { message, onrestart: () => {}, onretry, onfile } });
  flushSync();
  return onfile;
}

const card: Message = {
  id: 4, seq: 9, role: "agent", kind: "published", createdAt: 0,
  body: "Published chart.png (v2, 4.1 kB)",
  data: { type: "published", fileId: 12, revision: 2, name: "chart.png", mime: "image/png", size: 4096, description: "Latency by week" },
};

describe("a published-file card", () => {
  it("shows the name, type, size, description and revision", () => {
    render(card);
    const el = document.querySelector("[data-testid=card]")!;
    expect(el.querySelector(".card-title")!.textContent).toBe("chart.png");
    expect(el.querySelector("[data-testid=card-revision]")!.textContent).toBe("v2");
    expect(el.querySelector(".card-meta")!.textContent).toBe("PNG image · 4.1 kB");
    expect(el.querySelector(".card-description")!.textContent).toBe("Latency by week");
    expect(el.querySelector(".card-icon")!.getAttribute("data-icon")).toBe("image");
    expect([...el.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Save as…", "Open", "Reveal", "Share…"]);
  });

  it("opens the preview on click and runs the action of a button", () => {
    const onfile = render(card);
    (document.querySelector(".card-title") as HTMLElement).click();
    expect(onfile).toHaveBeenLastCalledWith(12, "preview", "chart.png");
    (document.querySelectorAll("[data-testid=card] button")[0] as HTMLElement).click();
    expect(onfile).toHaveBeenLastCalledWith(12, "save", "chart.png");
    expect(onfile).toHaveBeenCalledTimes(2);
  });

  it("reads as its name then its revision, the full name on hover", () => {
    render(card);
    expect(document.querySelector(".card-head")!.textContent).toBe("chart.png v2");
    expect(document.querySelector(".card-title")!.getAttribute("title")).toBe("chart.png");
  });

  it("is one Tab stop whose keys run its actions", () => {
    const onfile = render(card);
    const el = document.querySelector("[data-testid=card]") as HTMLElement;
    expect(el.tabIndex).toBe(0);
    expect([...el.querySelectorAll("button")].map((b) => b.tabIndex)).toEqual([-1, -1, -1, -1]);
    for (const [key, action] of [["Enter", "preview"], ["o", "open"], ["R", "reveal"], ["a", "save"]]) {
      el.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
      expect(onfile).toHaveBeenLastCalledWith(12, action, "chart.png");
    }
    el.dispatchEvent(new KeyboardEvent("keydown", { key: "o", ctrlKey: true, bubbles: true, cancelable: true }));
    expect(onfile).toHaveBeenCalledTimes(4);
  });

  it("renders an agent's text as text, never as markup", () => {
    render({ ...card, kind: "text", body: "<img src=x onerror=alert(1)>", data: null });
    expect(document.querySelector("img")).toBeNull();
    expect(document.body.textContent).toContain("<img src=x onerror=alert(1)>");
  });
});

describe("an agent that stopped", () => {
  const crashed: Message = {
    id: 7, seq: 12, role: "system", kind: "error", createdAt: 0,
    body: "the agent stopped (exit 3); its last words:\nfatal: the model exploded",
    data: { type: "error", kind: "agentCrashed", authMethods: [], stderrTail: "fatal: the model exploded", retry: { message: "Look at {filepath}", fileIds: [4, 5] } },
  };

  it("shows its exit, the message that was not sent, and retries it", () => {
    const onretry = vi.fn();
    render(crashed, onretry);
    expect(document.querySelector(".error-text")!.textContent).toContain("the agent stopped (exit 3)");
    expect(document.querySelector("[data-testid=unsent]")!.textContent).toBe("Not sent: Look at {filepath} with 2 files");
    (document.querySelector("[data-testid=retry]") as HTMLElement).click();
    expect(onretry).toHaveBeenCalledWith("Look at {filepath}", [4, 5]);
  });

  it("offers no retry when nothing was kept", () => {
    render({ ...crashed, data: { type: "error", kind: "agentCrashed", authMethods: [] } });
    expect(document.querySelector("[data-testid=retry]")).toBeNull();
  });
});

describe("an agent's reply", () => {
  const reply = (body: string): Message => ({ id: 8, seq: 3, role: "agent", kind: "text", createdAt: 0, body, data: null });

  it("reads as Markdown: emphasis, lists, code with Copy, links that open in the browser", () => {
    render(reply("Done:\n- **one**\n- two\n\n```\ncargo test\n```\n[docs](https://example.com/docs)"));
    const bubble = document.querySelector("[data-testid=reply]")!;
    expect(bubble.querySelector("strong")?.textContent).toBe("one");
    expect(bubble.querySelectorAll("li")).toHaveLength(2);
    (bubble.querySelector("button.copy") as HTMLButtonElement).click();
    expect(copyText).toHaveBeenCalledWith("cargo test\n");
    (bubble.querySelector("a") as HTMLAnchorElement).click();
    expect(openLink).toHaveBeenCalledWith("https://example.com/docs");
  });

  it("shows HTML it wrote as text", () => {
    render(reply('<img src=x onerror="window.__ran = 1"> <b>bold</b>'));
    const bubble = document.querySelector("[data-testid=reply]")!;
    expect(bubble.querySelectorAll("img, b")).toHaveLength(0);
    expect(bubble.textContent).toContain("<b>bold</b>");
  });
});

describe("a tool call", () => {
  const call = (data: Partial<Extract<Message["data"], { type: "toolCall" }>>): Message => ({
    id: 9, seq: 4, role: "agent", kind: "tool_call", createdAt: 0, body: "Edit src/app.ts",
    data: { type: "toolCall", id: "t1", title: "Edit src/app.ts", status: "completed", paths: ["/w/src/app.ts"], diffs: [], ...data },
  });

  it("reads with its kind, its edit folded beneath and counted, named from the worktree", () => {
    component = mount(MessageItem, { target: document.body, props: { message: call({
      kind: "edit",
      diffs: [{ path: "/w/src/app.ts", added: 1, removed: 1, unified: "--- a\n+++ b\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n", cut: false }],
    }), onrestart: () => {}, onretry: vi.fn(), onfile: vi.fn(), root: "/w" } });
    flushSync();
    expect(document.querySelector("[data-testid=tool-kind]")!.textContent).toBe("Edit");
    const diff = document.querySelector<HTMLDetailsElement>("[data-testid=tool-diff]")!;
    expect(diff.open).toBe(false);
    expect(diff.querySelector("summary")!.textContent).toContain("+1 −1");
    expect(diff.querySelector("summary .mono")!.textContent).toBe("src/app.ts");
    const lines = [...diff.querySelectorAll("pre span")].map((s) => [s.className.split(" ")[0], s.textContent]);
    expect(lines).toEqual([["diff-hunk", "@@ -1,2 +1,2 @@\n"], ["diff-same", " keep\n"], ["diff-del", "-old\n"], ["diff-add", "+new\n"]]);
  });

  it("shows a command's exit status, a failing one as failed", () => {
    render(call({ kind: "execute", title: "npm test", exitCode: 3 }));
    const exit = document.querySelector("[data-testid=tool-exit]")!;
    expect(exit.textContent).toBe("exit 3");
    expect(exit.classList.contains("failed")).toBe(true);
    expect(document.querySelector("[data-testid=tool-kind]")!.textContent).toBe("Run");
  });

  it("has no kind label for work of no named kind, and no exit without one", () => {
    render(call({}));
    expect(document.querySelector("[data-testid=tool-kind]")).toBeNull();
    expect(document.querySelector("[data-testid=tool-exit]")).toBeNull();
  });
});

describe("paths the agent names", () => {
  const linkable = new Map([["out/report.md", { id: 3, name: "report.md" }], ["/w/out/report.md", { id: 3, name: "report.md" }]]);

  it("open the file's preview from a reply", () => {
    const onfile = vi.fn();
    component = mount(MessageItem, {
      target: document.body,
      props: { message: { id: 8, seq: 3, role: "agent", kind: "text", createdAt: 0, body: "I wrote `out/report.md`.", data: null }, onrestart: () => {}, onretry: vi.fn(), onfile, linkable },
    });
    flushSync();
    document.querySelector<HTMLElement>("[data-testid=reply] a.file-link")!.click();
    expect(onfile).toHaveBeenCalledWith(3, "preview", "report.md");
  });

  it("open the file's preview from a tool call", () => {
    const onfile = vi.fn();
    component = mount(MessageItem, {
      target: document.body,
      props: {
        message: { id: 9, seq: 4, role: "agent", kind: "tool_call", createdAt: 0, body: "Write out/report.md", data: { type: "toolCall", id: "t", title: "Write out/report.md", status: "completed", paths: ["/w/out/report.md", "/w/other.txt"], diffs: [] } },
        onrestart: () => {}, onretry: vi.fn(), onfile, linkable,
      },
    });
    flushSync();
    const paths = document.querySelector("[data-testid=tool-paths]")!;
    expect(paths.textContent!.replace(/\s+/g, " ").trim()).toBe("/w/out/report.md, /w/other.txt");
    paths.querySelector<HTMLElement>("button.file-link")!.click();
    expect(onfile).toHaveBeenCalledWith(3, "preview", "report.md");
  });
});
