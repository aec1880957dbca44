import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { ChecksumMismatchError } from "./errors.js";

export interface FileDigest {
  sha256: string;
  md5: string;
  size: number;
}

/** sha256 and md5 of a file in one streaming pass. */
export async function hashFile(path: string): Promise<FileDigest> {
  const sha = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  return { sha256: sha.digest("hex"), md5: md5.digest("hex"), size };
}

export interface ExpectedDigest {
  expectedSha256?: string | undefined;
  expectedMd5?: string | undefined;
}

/**
 * Throws ChecksumMismatchError when a digest disagrees with what the record promises. sha256 is the
 * real check; md5 is checked too when given (older repodata carries only md5).
 */
export function checkDigest(source: string, actual: FileDigest, expected: ExpectedDigest): void {
  const sha = expected.expectedSha256?.toLowerCase();
  if (sha && sha !== actual.sha256) throw new ChecksumMismatchError(source, "sha256", sha, actual.sha256);
  const md5 = expected.expectedMd5?.toLowerCase();
  if (md5 && md5 !== actual.md5) throw new ChecksumMismatchError(source, "md5", md5, actual.md5);
}
