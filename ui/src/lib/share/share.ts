import type { ShareInfo } from "../ipc";

/** How long a new link may work, as the share dialog offers it. */
export const EXPIRIES: { value: string; label: string }[] = [
  { value: "1h", label: "1 hour" },
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
];

/** "expires in 23 h", "expired", "revoked": a share's state for people. */
export function shareState(share: ShareInfo, now: number): string {
  if (share.revokedAt !== null) return "revoked";
  const left = share.expiresAt - now;
  if (left <= 0) return "expired";
  const minutes = Math.ceil(left / 60_000);
  if (minutes < 60) return `expires in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `expires in ${hours} h`;
  return `expires in ${Math.round(hours / 24)} d`;
}
