import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tarStream from "tar-stream";
import { Bzip2DecodeError } from "./bzip2-decode.js";
import { CorruptArchiveError, UnsafeArchiveError } from "./errors.js";
import { ZstdDecodeError } from "./zstd-decode.js";

export type TarHeader = tarStream.Header;
export type TarBody = AsyncIterable<Buffer> & { resume(): unknown };

/**
 * Feeds decompressed tar bytes through tar-stream and calls `onEntry` for each entry in order.
 * `onEntry` must consume or drain the entry body. Decoder and tar errors become CorruptArchiveError
 * (or UnsafeArchiveError for the expansion limit) naming the archive and the part being read.
 */
export async function walkTar(
  archive: string,
  part: string,
  source: AsyncIterable<Buffer>,
  onEntry: (header: TarHeader, body: TarBody) => Promise<void>,
): Promise<void> {
  const extract = tarStream.extract();
  const feeding = pipeline(Readable.from(source, { objectMode: false }), extract);
  let feedError: unknown;
  feeding.catch((e) => (feedError = e));
  try {
    for await (const entry of extract) {
      await onEntry(entry.header, entry as unknown as TarBody);
      entry.resume(); // drain anything the handler left unread
    }
    await feeding;
  } catch (e) {
    throw mapDecodeError(archive, part, feedError ?? e);
  }
}

function mapDecodeError(archive: string, part: string, e: unknown): unknown {
  if (e instanceof CorruptArchiveError || e instanceof UnsafeArchiveError) return e;
  if ((e instanceof ZstdDecodeError || e instanceof Bzip2DecodeError) && e.message === "limit")
    return new UnsafeArchiveError(
      archive,
      part,
      "expands beyond the size limit for this archive (decompression bomb?)",
    );
  if (e instanceof ZstdDecodeError || e instanceof Bzip2DecodeError)
    return new CorruptArchiveError(archive, e.message, { entry: part, cause: e });
  if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError)) {
    const code = (e as NodeJS.ErrnoException).code;
    // Filesystem errors while writing (disk full, permissions) are not archive corruption.
    if (code && /^E[A-Z]+$/.test(code)) return e;
    return new CorruptArchiveError(archive, e.message, { entry: part, cause: e });
  }
  return e;
}
