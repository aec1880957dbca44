// Describes an extracted directory (files with sha256 and exec bit, symlinks with targets) for comparisons.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";

export async function describeTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      const st = await lstat(join(root, r));
      if (st.isSymbolicLink()) out.set(r, `link:${await readlink(join(root, r))}`);
      else if (st.isDirectory()) await walk(r);
      else {
        const h = createHash("sha256")
          .update(await readFile(join(root, r)))
          .digest("hex");
        out.set(r, `file:${h}:${st.mode & 0o100 ? "x" : "-"}`);
      }
    }
  };
  await walk("");
  return out;
}
