import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

/*
 * Who is asking, for the audit log and the token-guess throttle. Behind a reverse proxy (nginx,
 * a load balancer) every connection comes from the proxy, so all clients would share one address
 * and one failure budget. With `trusted_proxies` in server.yaml, X-Forwarded-For is read from the
 * right: while the hop that handed us the request is a trusted proxy, the address it names is
 * taken instead; the first untrusted hop is the client. Entries a client wrote itself (to the left)
 * are never believed, and without trusted proxies the header is ignored altogether.
 */

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack socket reports) as IPv4. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** `10.0.0.0/8`, `::1`, `2001:db8::/32`, `192.0.2.7`: a valid address or CIDR block, or undefined. */
export function parseProxyEntry(
  entry: string,
): { address: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const [addr, bits, extra] = entry.trim().split("/");
  if (extra !== undefined || !addr) return undefined;
  const address = unmapped(addr);
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { address, prefix, family: v === 4 ? "ipv4" : "ipv6" };
}

export class ClientAddress {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `proxies`: entries already checked with {@link parseProxyEntry} (server-config does). */
  constructor(proxies: readonly string[] = []) {
    for (const p of proxies) {
      const e = parseProxyEntry(p);
      if (e) this.trusted.addSubnet(e.address, e.prefix, e.family);
    }
    this.any = proxies.length > 0;
  }

  private isTrusted(address: string): boolean {
    const a = unmapped(address);
    const v = isIP(a);
    return v !== 0 && this.trusted.check(a, v === 4 ? "ipv4" : "ipv6");
  }

  /** The client's address: the socket's peer, or what trusted proxies say it is. */
  of(req: IncomingMessage): string {
    let client = unmapped(req.socket.remoteAddress ?? "");
    if (!this.any || !this.isTrusted(client)) return client;
    const header = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped(hops[i]!);
      // A malformed entry ends the walk: the last trusted hop's peer is as far as we can see.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }
}
