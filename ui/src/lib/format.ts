/** Sizes in decimal units, as the CLI prints them ("2.3 MB"). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return Math.abs(value - Math.round(value)) < 0.05 ? `${Math.round(value)} ${unit}` : `${value.toFixed(1)} ${unit}`;
}

/** Whether a MIME type is a picture the app can show as a thumbnail. */
export function isRasterImage(mime: string | null | undefined): boolean {
  return !!mime && ["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"].includes(mime);
}

/** `pasted-text-YYYYMMDD-HHMMSS.txt` for a moment in local time. */
export function pastedTextName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `pasted-text-${stamp}.txt`;
}
