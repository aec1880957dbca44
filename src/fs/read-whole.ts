import { type FileHandle, open } from "node:fs/promises";

/**
 * A whole file's bytes in as few reads as the kernel allows. `readFile` reads in 512 KiB chunks,
 * each a round trip through libuv's thread pool: a 143 MB repodata.json took ~280 of them and
 * ~90 ms of a CLI run waiting between them. The size is taken from the open handle; a file that
 * grows meanwhile is read up to that size, one that shrinks to where it ends.
 */
export async function readWholeFile(file: string | FileHandle): Promise<Buffer> {
  if (typeof file !== "string") return readAll(file);
  const fh = await open(file, "r");
  try {
    return await readAll(fh);
  } finally {
    await fh.close();
  }
}

async function readAll(fh: FileHandle): Promise<Buffer> {
  const { size } = await fh.stat();
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === size ? buf : buf.subarray(0, off);
}
