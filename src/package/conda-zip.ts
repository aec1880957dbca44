import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import yauzl from "yauzl";
import { CorruptArchiveError } from "./errors.js";

/** The parts of a `.conda` (CEP 35): a stored zip of metadata.json, info-*.tar.zst and pkg-*.tar.zst. */
export interface CondaZip {
  zip: yauzl.ZipFile;
  info: yauzl.Entry;
  pkg: yauzl.Entry | undefined;
  metadata: yauzl.Entry | undefined;
  close(): void;
  open(entry: yauzl.Entry): Promise<Readable>;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/** Opens a `.conda` and locates its parts; CorruptArchiveError when it is not a valid one. */
export async function openCondaZip(archive: string): Promise<CondaZip> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(archive);
  } catch (e) {
    throw new CorruptArchiveError(archive, `not a readable zip file (${(e as Error).message})`, { cause: e });
  }
  const found: { info?: yauzl.Entry; pkg?: yauzl.Entry; metadata?: yauzl.Entry } = {};
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (e: yauzl.Entry) => {
        // Match on the base name: some real .conda files were zipped with a directory prefix
        // (rattler keeps one as a test case), and the part names are unambiguous anyway.
        const n = e.fileName.slice(e.fileName.lastIndexOf("/") + 1);
        if (n === "metadata.json") found.metadata = e;
        else if (n.startsWith("info-") && n.endsWith(".tar.zst")) found.info = e;
        else if (n.startsWith("pkg-") && n.endsWith(".tar.zst")) found.pkg = e;
        zip.readEntry();
      });
      zip.on("end", () => resolve());
      zip.on("error", reject);
      zip.readEntry();
    });
  } catch (e) {
    zip.close();
    throw new CorruptArchiveError(archive, `bad zip directory (${(e as Error).message})`, { cause: e });
  }
  if (!found.info) {
    zip.close();
    throw new CorruptArchiveError(archive, "no info-*.tar.zst part (not a .conda package)");
  }
  return {
    zip,
    info: found.info,
    pkg: found.pkg,
    metadata: found.metadata,
    close: () => zip.close(),
    open: async (entry) => {
      // Stored members (the norm for .conda, CEP 35) are read straight from the file in 1 MiB reads:
      // yauzl's own stream reads in small pieces and leaves the decoder idle waiting for I/O.
      if (entry.compressionMethod === 0) {
        const header = Buffer.alloc(30);
        const fh = await open(archive, "r");
        try {
          await fh.read(header, 0, 30, entry.relativeOffsetOfLocalHeader);
        } finally {
          await fh.close();
        }
        if (header.readUInt32LE(0) !== 0x04034b50)
          throw new CorruptArchiveError(archive, "bad local file header", { entry: entry.fileName });
        const start =
          entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
        if (entry.compressedSize === 0) return Readable.from([]);
        return createReadStream(archive, {
          start,
          end: start + entry.compressedSize - 1,
          highWaterMark: 1 << 20,
        });
      }
      return new Promise((resolve, reject) =>
        zip.openReadStream(entry, (err, stream) =>
          err
            ? reject(new CorruptArchiveError(archive, err.message, { entry: entry.fileName, cause: err }))
            : resolve(stream),
        ),
      );
    },
  };
}
