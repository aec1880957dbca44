import { isIPv6 } from "node:net";

export interface AuthThrottleOptions {
  /** Invalid tokens a client may present per window before it is refused; 0 turns throttling off. */
  maxFailures: number;
  /** Length of a window in milliseconds, counted from the client's first failure in it. */
  windowMs: number;
  /** Most clients tracked at once; the oldest windows are forgotten beyond it. */
  maxClients?: number;
  now?: () => number;
}

interface Window {
  start: number;
  failures: number;
  /** Failures in this window not written to the audit log (all but the first). */
  unlogged: number;
}

/** What the server should do with one failed token check. */
export interface FailureVerdict {
  /** Write this failure to the audit log: only the first of each window is. */
  audit: boolean;
  /** When auditing the first failure of a window: the failures left unlogged in the window before. */
  suppressedBefore: number;
}

/**
 * The client key: an IPv4 address as is, an IPv6 address by its /64 prefix. A host with IPv6 is
 * usually handed a whole /64, so counting single addresses would give it 2^64 fresh budgets.
 */
export function clientKey(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("%")[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/**
 * Counts invalid tokens per client address in fixed windows, so token guessing costs a window per
 * `maxFailures` guesses. While a client is over its budget the server answers 429 without looking
 * at the token: otherwise a right guess would still be told apart from a wrong one. Valid tokens do
 * not reset the count (an attacker holding one token could otherwise keep guessing others), and
 * other addresses are not affected. Memory is bounded by `maxClients` windows; the oldest (first
 * failure longest ago) are dropped first.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  /** Unlogged failures of windows that ended, reported with the client's next audited failure. */
  private readonly carried = new Map<string, number>();
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.maxClients = opts.maxClients ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.opts.maxFailures > 0;
  }

  /** Clients currently tracked (for tests and monitoring). */
  get size(): number {
    return this.windows.size;
  }

  /** The live window of a client, dropping it once it has ended. */
  private current(key: string, now: number): Window | undefined {
    const w = this.windows.get(key);
    if (w && now - w.start >= this.opts.windowMs) {
      this.windows.delete(key);
      if (w.unlogged > 0) this.remember(key, w.unlogged);
      return undefined;
    }
    return w;
  }

  private remember(key: string, unlogged: number): void {
    this.carried.delete(key);
    this.carried.set(key, unlogged);
    if (this.carried.size > this.maxClients) this.carried.delete(this.carried.keys().next().value!);
  }

  /** Milliseconds until `address` may present tokens again, or 0 when it may now. */
  blockedFor(address: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    const w = this.current(clientKey(address), now);
    if (!w || w.failures < this.opts.maxFailures) return 0;
    return w.start + this.opts.windowMs - now;
  }

  /** Records one invalid token (or one refused attempt while blocked) from `address`. */
  fail(address: string): FailureVerdict {
    if (!this.enabled) return { audit: true, suppressedBefore: 0 };
    const key = clientKey(address);
    const now = this.now();
    const w = this.current(key, now);
    if (w) {
      w.failures++;
      w.unlogged++;
      return { audit: false, suppressedBefore: 0 };
    }
    this.evict(now);
    this.windows.set(key, { start: now, failures: 1, unlogged: 0 });
    const suppressedBefore = this.carried.get(key) ?? 0;
    this.carried.delete(key);
    return { audit: true, suppressedBefore };
  }

  /** Makes room for one more client: ended windows first, then the oldest live ones. */
  private evict(now: number): void {
    if (this.windows.size < this.maxClients) return;
    // Insertion order is window start order (a window is re-inserted when it starts anew).
    for (const [key, w] of this.windows) {
      if (now - w.start >= this.opts.windowMs) {
        this.windows.delete(key);
        if (w.unlogged > 0) this.remember(key, w.unlogged);
      } else break;
    }
    while (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value!);
  }
}
