/** What an encrypted share link carries in its fragment (never sent to any
 *  server): the age key, the ciphertext's own link, the file's name and type. */
export interface SharedLink {
  key: string;
  url: string;
  name: string;
  type: string;
}

/** Reads the fragment; `null` when anything is missing or malformed (the
 *  link is damaged), or when the ciphertext's link is not on `origin` (the
 *  page never fetches from anywhere else). */
export function parseFragment(hash: string, origin: string): SharedLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const key = params.get("k") ?? "";
  const url = params.get("u") ?? "";
  const name = params.get("n") ?? "";
  const type = params.get("t") || "application/octet-stream";
  if (!/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/.test(key) || !name) return null;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return null;
  }
  if (target.origin !== origin) return null;
  return { key, url, name, type };
}

/** How the page shows a file of `type`. */
export function previewKind(type: string): "image" | "pdf" | "text" | "none" {
  if (/^image\/(png|jpeg|gif|webp|bmp|avif)$/.test(type)) return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("text/") || /^application\/(json|xml|x-yaml|yaml|toml|javascript)$/.test(type)) return "text";
  return "none";
}

/** What the storage's refusal means for the person holding the link. */
export function refusal(status: number, body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? "";
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? "";
  if (status === 404 || code === "NoSuchKey") return "This link was revoked: the file is no longer shared.";
  if (/expired|too old/i.test(message) || /expired/i.test(code)) return "This link has expired.";
  if (code === "SignatureDoesNotMatch" || code === "AuthorizationQueryParametersError" || /signature/i.test(message)) {
    return "This link is damaged: part of it is missing or was changed. Ask for the link again.";
  }
  return `The storage refused to give the file (${status}${code ? ` ${code}` : ""}).`;
}
