/** Rows shown of a CSV file. */
export const CSV_ROWS = 200;

/** Parses CSV (quoted fields, doubled quotes, CRLF) into at most `limit` rows. */
export function parseCsv(text: string, limit = CSV_ROWS): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length && rows.length < limit; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if ((field !== "" || row.length > 0) && rows.length < limit) { row.push(field); rows.push(row); }
  return rows;
}

/** JSON pretty-printed, or the text as it was when it does not parse. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** How a text preview is drawn. */
export type TextView = "csv" | "json" | "markdown" | "plain";

/** The view for a type; SVG and HTML are shown as source (plain). */
export function textView(mime: string): TextView {
  if (mime === "text/csv") return "csv";
  if (mime.endsWith("json")) return "json";
  if (mime === "text/markdown") return "markdown";
  return "plain";
}
