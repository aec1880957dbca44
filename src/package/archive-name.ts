/** The two package archive formats conda knows (CEP 34 `.tar.bz2`, CEP 35 `.conda`). */
export type ArchiveKind = "conda" | "tar.bz2";

export const ARCHIVE_EXTENSIONS: readonly string[] = [".conda", ".tar.bz2"];

/** The kind of a package file from its name, or undefined for anything else. */
export function archiveKind(fileName: string): ArchiveKind | undefined {
  if (fileName.endsWith(".conda")) return "conda";
  if (fileName.endsWith(".tar.bz2")) return "tar.bz2";
  return undefined;
}

/** `zlib-1.2.11-h7b6447c_3.conda` → `zlib-1.2.11-h7b6447c_3` (the directory name conda extracts to). */
export function stripArchiveExtension(fileName: string): string {
  for (const ext of ARCHIVE_EXTENSIONS) if (fileName.endsWith(ext)) return fileName.slice(0, -ext.length);
  return fileName;
}
