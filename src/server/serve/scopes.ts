/**
 * What a token may do. `read:<channel>` downloads from a private channel, `write:<channel>` also
 * uploads to it, `admin` does everything (deletes, every channel). `*` as channel means all.
 */
export type Scope = { kind: "read" | "write"; channel: string } | { kind: "admin" };

export function parseScope(s: string): Scope | undefined {
  if (s === "admin") return { kind: "admin" };
  const m = /^(read|write):([A-Za-z0-9_.*-]+)$/.exec(s);
  if (!m) return undefined;
  return { kind: m[1] as "read" | "write", channel: m[2]! };
}

export function formatScope(s: Scope): string {
  return s.kind === "admin" ? "admin" : `${s.kind}:${s.channel}`;
}

export type Action = "read" | "write" | "admin";

/** Whether the scopes allow `action` on `channel`; write implies read, admin implies both. */
export function allows(scopes: readonly Scope[], action: Action, channel?: string): boolean {
  for (const s of scopes) {
    if (s.kind === "admin") return true;
    if (action === "admin") continue;
    if (channel === undefined || (s.channel !== "*" && s.channel !== channel)) continue;
    if (s.kind === "write" || action === "read") return true;
  }
  return false;
}
