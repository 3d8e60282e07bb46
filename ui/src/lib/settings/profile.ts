import type { EnvVar } from "../ipc/bindings";

/** Splits a command line's arguments like a shell: spaces separate, quotes group, `\` escapes. */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = "";
  let quote: '"' | "'" | null = null;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) args.push(current);
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** Arguments back to one line, quoting those that need it. */
export function joinArgs(args: string[]): string {
  return args.map((a) => (a === "" || /[\s"'\\]/.test(a) ? `'${a.replace(/'/g, `'"'"'`)}'` : a)).join(" ");
}

/** `KEY=VALUE` lines to variables; blank lines are skipped, bad lines reported by number. */
export function parseEnv(text: string): { vars: EnvVar[]; errors: string[] } {
  const vars: EnvVar[] = [];
  const errors: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf("=");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) errors.push(`line ${i + 1}: "${line.trim()}" is not NAME=value`);
    else vars.push({ name, value: line.slice(at + 1) });
  });
  return { vars, errors };
}

/** Variables as `KEY=VALUE` lines. */
export function formatEnv(vars: EnvVar[]): string {
  return vars.map((v) => `${v.name}=${v.value}`).join("\n");
}

/** Seconds of temp expiry as the hours field shows them. */
export function hoursOf(seconds: number): string {
  const hours = seconds / 3600;
  return Number.isInteger(hours) ? String(hours) : hours.toFixed(2);
}

/** The hours field back to whole seconds, or null when it is not a number of hours. */
export function secondsOf(hours: string): number | null {
  const value = Number(hours.trim());
  return hours.trim() !== "" && Number.isFinite(value) && value >= 0 ? Math.round(value * 3600) : null;
}
