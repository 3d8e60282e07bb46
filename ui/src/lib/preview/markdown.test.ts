import { describe, expect, it } from "vitest";
import { renderMarkdown, renderReply } from "./markdown";

describe("renderMarkdown", () => {
  it("renders headings, lists, tables and code", () => {
    const html = renderMarkdown("# Title\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nlet x = 1;\n```\n");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain("<td>1</td>");
    expect(html).toContain("<code>let x = 1;");
  });

  it("drops scripts, handlers and javascript: links", () => {
    const html = renderMarkdown('<script>alert(1)</script>\n<img src=x onerror="alert(2)">\n\n[go](javascript:alert(3)) <a href="#" onclick="alert(4)">x</a>\n\n<svg onload="alert(5)"></svg><iframe src="https://evil"></iframe>');
    expect(html).not.toMatch(/script|onerror|onclick|onload|javascript:|iframe|svg/i);
    expect(html).toContain("[image]");
  });

  it("never loads a remote or local picture, but keeps inline ones", () => {
    const html = renderMarkdown("![chart](https://example.com/c.png) ![local](/etc/x.png) ![dot](data:image/png;base64,iVBORw0KGgo=)");
    expect(html).not.toContain("example.com/c.png\"");
    expect(html).toContain("[chart]");
    expect(html).toContain("[local]");
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
  });

  it("keeps web links as data for the app to open, without navigating", () => {
    const html = renderMarkdown("[docs](https://example.com/docs)");
    expect(html).toContain('data-href="https://example.com/docs"');
    expect(html).not.toMatch(/\shref=/);
  });
});

describe("renderReply", () => {
  it("renders an agent's Markdown with its line breaks, code blocks with Copy", () => {
    const html = renderReply("Done:\nsee **the table**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nlet x = 1;\n```\n");
    expect(html).toContain("Done:<br>");
    expect(html).toContain("<strong>the table</strong>");
    expect(html).toContain("<td>1</td>");
    expect(html).toMatch(/<div class="code"><button type="button" class="copy"[^>]*>Copy<\/button><pre><code[^>]*>let x = 1;/);
  });

  it("shows HTML the agent wrote as text and runs nothing", () => {
    const html = renderReply('<img src=x onerror="window.__ran = 1"> and <b>bold</b>\n\n<script>window.__ran = 2</script>\n\n[go](javascript:alert(3)) ![p](https://example.com/p.png)');
    const doc = new DOMParser().parseFromString(html, "text/html");
    expect(doc.querySelectorAll("img, script, b, [onerror], [href]")).toHaveLength(0);
    expect(html).not.toMatch(/javascript:|example\.com\/p\.png"/i);
    expect(doc.body.textContent).toContain("<b>bold</b>");
    expect(html).toContain("[p]");
  });

  it("keeps a file name as the agent wrote it", () => {
    expect(renderReply("saved my_file_name.txt")).toContain("my_file_name.txt");
  });
});
