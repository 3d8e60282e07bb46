/** Handoff's own MCP tools as agents name them: `mcp__handoff__publish_file`
 *  (Claude Code), `mcp__handoff/publish_file` and `mcp.handoff.publish_file`
 *  (Codex), `Tool: handoff/publish_file` (Zed's Codex),
 *  `mcp_handoff_publish_file` (Gemini CLI), `publish_file` (the demo). */
const OWN_TOOL = /^(?:Tool: )?(?:mcp(?:__|_|\.)handoff(?:__|\/|_|\.)|handoff\/)?(publish_file|list_uploads)\b\s*(.*)$/;

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

const KINDS: Record<string, string> = {
  read: "Read", edit: "Edit", delete: "Delete", move: "Move", search: "Search",
  execute: "Run", think: "Think", fetch: "Fetch", switch_mode: "Mode",
};

/** A tool call's kind of work as a short label ("Edit", "Run"…); none for
 *  work of no named kind, and none for Handoff's own tools (their title
 *  says what they do; Codex calls every MCP tool a command). */
export function kindLabel(kind: string | null | undefined, title = ""): string | null {
  if (!kind || OWN_TOOL.test(title.trim())) return null;
  return KINDS[kind] ?? null;
}

/** One line of a unified diff and what it is. */
export interface DiffLine {
  text: string;
  part: "add" | "del" | "hunk" | "same";
}

/** A unified diff's lines from its first hunk on: its headers (`diff
 *  --git`, `index`, `---`, `+++`) go, the file is named above it. */
export function diffLines(unified: string): DiffLine[] {
  const lines = unified.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const first = lines.findIndex((line) => line.startsWith("@@"));
  return lines
    .slice(Math.max(first, 0))
    .map((text) => ({
      text,
      part: text.startsWith("@@") ? "hunk" : text.startsWith("+") ? "add" : text.startsWith("-") ? "del" : "same",
    }));
}
