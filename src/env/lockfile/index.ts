export type {
  LockedCondaPackage,
  LockedPackage,
  LockedPypiPackage,
  LockedSourcePackage,
  LockEnvironment,
  LockFile,
  LockFormat,
} from "./model.js";
export { LockFileError, LockSelectionError, LockUnsupportedPackagesError } from "./errors.js";
export {
  isLockFileName,
  looksLikeLockText,
  NEWEST_LOCK_VERSION,
  parseLockFile,
  readLockFile,
} from "./parse.js";
export { type LockSelection, type LockSelectOptions, selectLockedPackages } from "./select.js";
export { type CondaLockWriteOptions, formatCondaLock, type LockableRecord } from "./write-conda-lock.js";
export {
  formatPixiLock,
  PIXI_LOCK_WRITE_VERSION,
  type PixiLockableRecord,
  type PixiLockWriteOptions,
} from "./write-pixi-lock.js";
