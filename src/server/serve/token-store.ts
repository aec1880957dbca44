import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ServerConfigError, TokenError } from "./errors.js";
import { formatScope, parseScope, type Scope } from "./scopes.js";
import type { ConfiguredToken } from "./server-config.js";
import { writeFileAtomicSync } from "../../fs/write-atomic.js";

/** A token as kept on disk: never the token itself, only its sha256. */
export interface StoredToken extends ConfiguredToken {
  created: string;
  description?: string;
}

export interface TokenIdentity {
  id: string;
  scopes: Scope[];
}

/**
 * Tokens use only `[a-z0-9-]` so conda's `/t/<token>/` URL handling (and its redaction, which
 * matches `[a-zA-Z0-9-]+`) treats them as one path segment.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9-]{16,256}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function tokensFile(stateDir: string): string {
  return join(stateDir, "tokens.json");
}

function readStored(stateDir: string): StoredToken[] {
  const file = tokensFile(stateDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new ServerConfigError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let doc: { tokens?: unknown };
  try {
    doc = JSON.parse(text) as { tokens?: unknown };
  } catch (e) {
    throw new ServerConfigError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc.tokens)) throw new ServerConfigError(file, 'expected {"tokens": [...]}');
  return doc.tokens.map((t: Record<string, unknown>, i: number) => {
    const scopes = (Array.isArray(t.scopes) ? t.scopes : []).map((s) => parseScope(String(s)));
    if (typeof t.id !== "string" || typeof t.sha256 !== "string" || scopes.some((s) => !s))
      throw new ServerConfigError(file, `tokens[${i}] is malformed`);
    return {
      id: t.id,
      sha256: t.sha256,
      scopes: scopes as Scope[],
      created: String(t.created ?? ""),
      ...(typeof t.description === "string" ? { description: t.description } : {}),
    };
  });
}

function writeStored(stateDir: string, tokens: StoredToken[]): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = tokensFile(stateDir);
  const doc = { tokens: tokens.map((t) => ({ ...t, scopes: t.scopes.map(formatScope) })) };
  writeFileAtomicSync(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
}

/** Creates a token; the clear token is returned once and only its hash is stored. */
export function createToken(
  stateDir: string,
  scopes: Scope[],
  description?: string,
): { id: string; token: string; scopes: Scope[] } {
  if (scopes.length === 0)
    throw new TokenError(
      "a token needs at least one scope",
      "Give --scope read|write with --channel NAME, or --scope admin.",
    );
  const token = `tpn-${randomBytes(24).toString("hex")}`;
  const id = randomBytes(6).toString("hex");
  const stored = readStored(stateDir);
  stored.push({
    id,
    sha256: hashToken(token),
    scopes,
    created: new Date().toISOString(),
    ...(description ? { description } : {}),
  });
  writeStored(stateDir, stored);
  return { id, token, scopes };
}

export function listTokens(stateDir: string): StoredToken[] {
  return readStored(stateDir);
}

/** Removes a token by id; false when there was none. */
export function revokeToken(stateDir: string, id: string): boolean {
  const stored = readStored(stateDir);
  const kept = stored.filter((t) => t.id !== id);
  if (kept.length === stored.length) return false;
  writeStored(stateDir, kept);
  return true;
}

/**
 * The tokens a running server accepts: those in server.yaml plus tokens.json, re-read when the file
 * changes so `taipan serve token create` takes effect without a restart.
 */
export class TokenRegistry {
  private cached: StoredToken[] = [];
  private stamp = "";

  constructor(
    private readonly stateDir: string,
    private readonly configured: readonly ConfiguredToken[],
  ) {}

  private current(): readonly ConfiguredToken[] {
    let stamp = "none";
    try {
      const st = statSync(tokensFile(this.stateDir));
      stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {}
    if (stamp !== this.stamp) {
      this.cached = stamp === "none" ? [] : readStored(this.stateDir);
      this.stamp = stamp;
    }
    return [...this.configured, ...this.cached];
  }

  /**
   * The identity of a presented token, or undefined. Every stored hash is compared, each in
   * constant time, so the time taken does not tell how close a guess was or which entry matched.
   */
  identify(token: string): TokenIdentity | undefined {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const presented = Buffer.from(hashToken(token), "hex");
    let found: ConfiguredToken | undefined;
    for (const t of this.current()) {
      const stored = Buffer.from(t.sha256, "hex");
      if (stored.length === presented.length && timingSafeEqual(stored, presented) && !found) found = t;
    }
    return found ? { id: found.id, scopes: found.scopes } : undefined;
  }
}
