import tarStream from "tar-stream";

/** One entry of a tar being written; `data` for files, `linkname` for symlinks and hard links. */
export interface TarMember {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo";
  data?: Buffer;
  mode?: number;
  linkname?: string;
}

/** The fixed mtime of packed entries (conda-package-handling normalises to the epoch too, CEP 35 tools do likewise). */
const FIXED_MTIME = new Date(0);

/**
 * Builds a tar in memory in the given order with uid/gid 0, empty owner names and a fixed mtime,
 * so that the same members always give the same bytes.
 */
export async function writeTar(members: TarMember[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const out: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) out.push(c as Buffer);
  })();
  for (const m of members) {
    const type = m.type ?? "file";
    const header = {
      name: m.name,
      type,
      mode: m.mode ?? (type === "directory" ? 0o755 : type === "symlink" ? 0o777 : 0o644),
      mtime: FIXED_MTIME,
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === "file")
        pack.entry({ ...header, size: m.data?.length ?? 0 }, m.data ?? Buffer.alloc(0), cb);
      else pack.entry({ ...header, size: 0 }, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(out);
}
