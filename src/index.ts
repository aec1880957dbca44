// The public API of taipan. Everything the CLI does is reachable from here.
export { ParseError, TaipanError } from "./conda/errors.js";
export { VERSION as TAIPAN_VERSION } from "./taipan-version.js";
export { InvalidRecordError, normalizeTimestamp, PackageRecord, type RecordContext } from "./conda/package-record.js";
