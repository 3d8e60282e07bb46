import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

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
