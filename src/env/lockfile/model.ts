/** A lock file read into one shape, whichever tool wrote it (conda-lock or pixi). */
export type LockFormat = "conda-lock" | "pixi";

/** A conda package pinned by URL; name/version/build come from the file or the archive name. */
export interface LockedCondaPackage {
  kind: "conda";
  /** The archive URL (relative locations are resolved against the lock file's directory). */
  url: string;
  name?: string;
  version?: string;
  build?: string;
  subdir?: string;
  md5?: string;
  sha256?: string;
  depends: string[];
  /** conda-lock's category (`main`, `dev`, …) and whether it is optional. */
  category?: string;
  optional?: boolean;
}

/** A Python package installed by pip/uv: recorded, but taipan cannot install it yet. */
export interface LockedPypiPackage {
  kind: "pypi";
  name?: string;
  version?: string;
  /** URL or path of the wheel, sdist or project directory. */
  location: string;
  sha256?: string;
}

/** A conda package pixi builds from source (a path, git or `conda_source:` entry): not installable. */
export interface LockedSourcePackage {
  kind: "source";
  name?: string;
  location: string;
}

export type LockedPackage = LockedCondaPackage | LockedPypiPackage | LockedSourcePackage;

export interface LockEnvironment {
  name: string;
  channels: string[];
  /** Keyed by the platform name the file uses (a conda subdir, or a pixi v7 platform name). */
  packages: Map<string, LockedPackage[]>;
}

export interface LockFile {
  format: LockFormat;
  /** The `version:` the file declares (conda-lock files without one are version 1). */
  version: number;
  /** Platform names the file declares, or that its environments use. */
  platforms: string[];
  /** pixi v7 platform names that differ from their conda subdir (`linux-64-foobar` → `linux-64`). */
  platformSubdirs: Map<string, string>;
  environments: Map<string, LockEnvironment>;
}
