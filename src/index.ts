// The public API of taipan. Everything the CLI does is reachable from here.
export { ParseError, TaipanError } from "./conda/errors.js";
export { VERSION as TAIPAN_VERSION } from "./taipan-version.js";
export { InvalidRecordError, normalizeTimestamp, PackageRecord, type RecordContext } from "./conda/package-record.js";
export {
  currentSubdir,
  KNOWN_SUBDIRS,
  nativeSubdir,
  Platform,
  type PlatformOs,
  PlatformParseError,
  type Subdir,
  subdirInfo,
} from "./conda/platform.js";
export { compareComponents, Version, type VersionComponent, type VersionPart } from "./conda/version.js";
