import { mkdirSync, writeFileSync } from "node:fs";
import { link, open, symlink } from "node:fs/promises";
import { join } from "node:path";
import { CorruptArchiveError, UnsafeArchiveError } from "./errors.js";
import type { TarBody, TarHeader } from "./tar-walk.js";

/** Bounds on what one archive may expand to. */
export interface ExtractLimits {
  /** Total bytes of entry contents. */
  maxUnpackedBytes: number;
  /** Number of entries. */
  maxEntries: number;
}

/**
 * Default limits: a package may expand to 200x its archive size but never to less than 2 GiB
 * allowance nor more than 64 GiB. Real packages stay far below (zstd/bzip2 ratios are 3-10x on code).
 */
export function defaultLimits(archiveSize: number): ExtractLimits {
  return {
    maxUnpackedBytes: Math.min(64 * 2 ** 30, Math.max(2 * 2 ** 30, archiveSize * 200)),
    maxEntries: 2_000_000,
  };
}

type Kind = "file" | "dir" | "symlink";

const SMALL_FILE = 1 << 20;

/**
 * Splits an archive path into safe components, or explains why it is unsafe. Leading `./` and empty
 * components are dropped (tar writers emit both); `..`, absolute paths, drive letters and NUL bytes
 * are refused outright rather than normalised, as conda's extractor does since CVE-2007-4559 filters.
 */
export function safeComponents(name: string): string[] | string {
  if (name.includes("\0")) return "contains a NUL byte";
  if (name.startsWith("/") || name.startsWith("\\")) return "is an absolute path";
  if (/^[A-Za-z]:/.test(name)) return "is an absolute (drive-letter) path";
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) return "escapes the package directory with '..'";
  if (process.platform === "win32" && parts.some((p) => p.includes("\\") || p.includes(":")))
    return "contains a Windows path separator";
  return parts;
}

/**
 * Writes tar entries of one package into an empty directory it owns, refusing anything that could
 * reach outside it. Nothing is ever written through a symlink: symlinks are created last (after all
 * files, like GNU tar's delayed links), entries below a symlink are refused, and every link target is
 * resolved through the package's own links to check it stays inside.
 */
export class SafeTarWriter {
  private readonly kinds = new Map<string, Kind>();
  private readonly links = new Map<string, string>(); // symlink path -> target
  private readonly madeDirs = new Set<string>([""]);
  private unpacked = 0;
  private entries = 0;
  /** Relative paths of regular files and symlinks written, in archive order. */
  readonly files: string[] = [];

  constructor(
    private readonly archive: string,
    private readonly root: string,
    private readonly limits: ExtractLimits,
  ) {}

  private unsafe(entry: string, reason: string): UnsafeArchiveError {
    return new UnsafeArchiveError(this.archive, entry, reason);
  }

  private async ensureDir(rel: string): Promise<void> {
    if (this.madeDirs.has(rel)) return;
    mkdirSync(join(this.root, rel), { recursive: true });
    // Mark every ancestor, so siblings skip the syscall.
    let p = rel;
    while (p && !this.madeDirs.has(p)) {
      this.madeDirs.add(p);
      const i = p.lastIndexOf("/");
      p = i < 0 ? "" : p.slice(0, i);
    }
  }

  /** Refuses a path whose parent is a symlink or file of this archive (writing through it); records parents as directories. */
  private checkParents(entry: string, parts: string[]): void {
    let p = "";
    for (let i = 0; i < parts.length - 1; i++) {
      p = p ? `${p}/${parts[i]}` : parts[i];
      const k = this.kinds.get(p);
      if (k === "symlink") throw this.unsafe(entry, `lies below the symlink '${p}' (writing through a link)`);
      if (k === "file") throw this.unsafe(entry, `lies below the file '${p}'`);
      // Parents count as directories from now on, so a later file or link of the same name is a duplicate.
      if (k === undefined) this.kinds.set(p, "dir");
    }
  }

  async add(header: TarHeader, body: TarBody): Promise<void> {
    const name = header.name;
    if (++this.entries > this.limits.maxEntries)
      throw this.unsafe(name, `exceeds the limit of ${this.limits.maxEntries} entries`);
    const parts = safeComponents(name);
    if (typeof parts === "string") throw this.unsafe(name, parts);
    if (parts.length === 0) return; // the "./" root entry
    const rel = parts.join("/");
    const type = header.type ?? "file";
    const prior = this.kinds.get(rel);
    this.checkParents(name, parts);
    const parent = parts.slice(0, -1).join("/");

    if (type === "directory") {
      if (prior && prior !== "dir")
        throw this.unsafe(name, "is a duplicate entry (directory over a file or link)");
      this.kinds.set(rel, "dir");
      await this.ensureDir(rel);
      return;
    }
    if (prior) throw this.unsafe(name, "is a duplicate entry");

    if (type === "file" || type === "contiguous-file") {
      const size = header.size ?? 0;
      this.unpacked += size;
      if (this.unpacked > this.limits.maxUnpackedBytes)
        throw this.unsafe(name, `makes the archive expand beyond ${this.limits.maxUnpackedBytes} bytes`);
      this.kinds.set(rel, "file");
      await this.ensureDir(parent);
      const mode = (header.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
      const dest = join(this.root, rel);
      // 'wx' = O_CREAT|O_EXCL: never follows or overwrites anything already there.
      if (size <= SMALL_FILE) {
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(c);
        // Synchronous on purpose: for thousands of small files the thread-pool round trips of
        // async open/write/close cost more than the writes (measured 2x slower on tmpfs).
        writeFileSync(dest, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { flag: "wx", mode });
      } else {
        const fh = await open(dest, "wx", mode);
        try {
          for await (const c of body) await fh.write(c);
        } finally {
          await fh.close();
        }
      }
      this.files.push(rel);
      return;
    }
    if (type === "symlink") {
      const target = header.linkname ?? "";
      // conda's own test data has such links; no filesystem can create one, and cph fails on it too.
      if (!target)
        throw new CorruptArchiveError(this.archive, "symlink with an empty target", { entry: name });
      if (target.startsWith("/") || /^[A-Za-z]:/.test(target) || target.includes("\0"))
        throw this.unsafe(name, `is a symlink to the absolute path '${target}'`);
      this.kinds.set(rel, "symlink");
      this.links.set(rel, target);
      this.files.push(rel);
      return;
    }
    if (type === "link") {
      const target = safeComponents(header.linkname ?? "");
      if (typeof target === "string") throw this.unsafe(name, `is a hard link whose target ${target}`);
      const t = target.join("/");
      if (this.kinds.get(t) !== "file")
        throw this.unsafe(
          name,
          `is a hard link to '${header.linkname}', which is not an earlier file of the package`,
        );
      this.kinds.set(rel, "file");
      await this.ensureDir(parent);
      await link(join(this.root, t), join(this.root, rel));
      this.files.push(rel);
      return;
    }
    throw this.unsafe(
      name,
      `has type '${type}' (device files, FIFOs and other special entries are not allowed)`,
    );
  }

  /** Resolves a symlink through the archive's own links; returns false if it leaves the root. */
  private staysInside(linkPath: string): boolean {
    const stack = linkPath.split("/").slice(0, -1);
    let pending = (this.links.get(linkPath) ?? "").split("/");
    let hops = 0;
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === "" || c === ".") continue;
      if (c === "..") {
        if (stack.length === 0) return false;
        stack.pop();
        continue;
      }
      stack.push(c);
      const here = stack.join("/");
      const t = this.links.get(here);
      if (t !== undefined) {
        if (++hops > 40) return false; // a loop: refuse rather than guess
        stack.pop();
        pending = [...t.split("/"), ...pending];
      }
    }
    return true;
  }

  /** Creates the delayed symlinks after validating each target. Call once all entries are added. */
  async finish(): Promise<void> {
    for (const [rel, target] of this.links) {
      if (!this.staysInside(rel))
        throw this.unsafe(rel, `is a symlink to '${target}', which points outside the package`);
    }
    for (const [rel, target] of this.links) {
      const parts = rel.split("/");
      await this.ensureDir(parts.slice(0, -1).join("/"));
      await symlink(target, join(this.root, rel));
    }
  }

  get unpackedBytes(): number {
    return this.unpacked;
  }
}
