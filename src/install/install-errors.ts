import { TaipanError } from "../conda/errors.js";

/** An extracted package directory that cannot be linked (missing or malformed `info/` metadata). */
export class PackageMetadataError extends TaipanError {
  readonly packageDir: string;
  constructor(packageDir: string, reason: string, options: { cause?: unknown } = {}) {
    super("PACKAGE_METADATA", `cannot read package metadata in '${packageDir}': ${reason}`, {
      hint: "The extracted package is incomplete or corrupted; remove it from the package cache and fetch it again.",
      exceptionName: "CondaVerificationError",
      cause: options.cause,
    });
    this.packageDir = packageDir;
  }
}

/**
 * A binary file's prefix placeholder is shorter than the target prefix, so the null-padded, same-length
 * rewrite conda uses for binaries (portability.binary_replace) is impossible.
 */
export class PaddingError extends TaipanError {
  readonly path: string;
  constructor(path: string, placeholder: string, prefix: string) {
    super(
      "PADDING_ERROR",
      `cannot relocate binary file '${path}': the target prefix '${prefix}' (${Buffer.byteLength(prefix)} bytes) is longer than the package's placeholder (${Buffer.byteLength(placeholder)} bytes)`,
      {
        hint: "Install into a prefix with a shorter path, or use a build of the package made with a longer placeholder.",
        exceptionName: "PaddingError",
      },
    );
    this.path = path;
  }
}

/** Linking or unlinking a package in a prefix failed part-way; the transaction is rolled back or left journaled. */
export class LinkError extends TaipanError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super("LINK_ERROR", message, {
      hint:
        options.hint ?? "Run the command again; an interrupted transaction is finished or rolled back first.",
      exceptionName: "LinkError",
      cause: options.cause,
    });
  }
}

/** A prefix's `conda-meta/` holds a record or journal taipan cannot understand. */
export class PrefixStateError extends TaipanError {
  constructor(message: string, hint: string, options: { cause?: unknown } = {}) {
    super("PREFIX_STATE", message, { hint, exceptionName: "CondaError", cause: options.cause });
  }
}
