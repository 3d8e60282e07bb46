/** Handoff's own MCP tools as agents name them: `mcp__handoff__publish_file`
 *  (Claude Code), `mcp__handoff/publish_file` (Codex),
 *  `mcp_handoff_publish_file` (Gemini CLI), `publish_file` (the demo). */
const OWN_TOOL = /^(?:mcp(?:__|_)handoff(?:__|\/|_))?(publish_file|list_uploads)\b\s*(.*)$/;

/** A tool call's title as a person reads it: Handoff's own tools by what
 *  they do ("Publish out/report.md", "List the uploads"), any other as the
 *  agent titled it. */
export function readableTitle(title: string, paths: string[] = []): string {
  const own = OWN_TOOL.exec(title.trim());
  if (!own) return title;
  const [, tool, rest] = own;
  if (tool === "list_uploads") return "List the files you sent";
  const what = rest.trim().replace(/^[:(]\s*|\)$/g, "") || relativeName(paths[0]);
  return what ? `Publish ${what}` : "Publish a file";
}

/** `report.md` of `/w/out/report.md:12`. */
function relativeName(path: string | undefined): string {
  return path ? (path.replace(/:\d+$/, "").split("/").pop() ?? "") : "";
}
