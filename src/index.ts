// The public API of taipan. Everything the CLI does is reachable from here.
export { ParseError, TaipanError } from "./conda/errors.js";
export { VERSION as TAIPAN_VERSION } from "./taipan-version.js";
export {
  InvalidRecordError,
  normalizeTimestamp,
  PackageRecord,
  type RecordContext,
} from "./conda/package-record.js";
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
export { type ConfigSource, parseCondarc, readCondarc } from "./env/condarc-file.js";
export { condarcFiles, defaultSearchPath } from "./env/condarc-search-path.js";
export {
  type ChannelPriority,
  type CondaConfig,
  configValues,
  defaultRootPrefix,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from "./env/config.js";
export { CondarcEditor, userCondarcPath } from "./env/config-edit.js";
export {
  type EnvironmentEntry,
  environmentName,
  environmentsTxtPath,
  isEnvironment,
  listEnvironments,
  type PrefixSelection,
  registerEnvironment,
  resolvePrefix,
  unregisterEnvironment,
} from "./env/environments.js";
export {
  ActivationError,
  CondarcError,
  ConfigEditError,
  EnvironmentFileError,
  EnvironmentNotFoundError,
  ExplicitFileError,
  InvalidEnvironmentError,
} from "./env/errors.js";
export {
  type EnvironmentFile,
  formatEnvironmentFile,
  parseEnvironmentFile,
  readEnvironmentFile,
} from "./env/environment-file.js";
export {
  EXPLICIT_MARKER,
  type ExplicitEntry,
  type ExplicitFile,
  type ExplicitRecord,
  formatExplicitFile,
  isExplicitText,
  parseExplicitFile,
  parseExplicitLine,
  readExplicitFile,
} from "./env/explicit-file.js";
export {
  BuildNumberSpec,
  type VersionOperator,
  VersionSpec,
  type VersionSpecNode,
} from "./conda/version-spec.js";
export {
  ChecksumMismatchError,
  CorruptArchiveError,
  DownloadError,
  UnsafeArchiveError,
} from "./package/errors.js";
export { type ExtractOptions, type ExtractResult, extractPackage } from "./package/extract.js";
export { type FileDigest, hashFile } from "./package/hash.js";
export { type PackageInfo, readPackageInfo } from "./package/package-info.js";
export { defaultLimits, type ExtractLimits } from "./package/safe-extract.js";
export {
  Channel,
  type ChannelConfig,
  ChannelParseError,
  DEFAULT_CHANNEL_ALIAS,
  DEFAULT_CHANNELS_UNIX,
  DEFAULT_CHANNELS_WIN,
  DEFAULT_CUSTOM_CHANNELS,
  defaultChannelConfig,
  pathToChannelUrl,
  UNKNOWN_CHANNEL,
} from "./conda/channel.js";
export { redactUrl, stripUrlCredentials } from "./conda/url-credentials.js";
export {
  OfflineCacheMissError,
  RepodataFetchError,
  RepodataParseError,
  UnavailableChannelError,
} from "./repodata/errors.js";
export type { ChannelLike } from "./repodata/channel-source.js";
export type { FetchOptions } from "./repodata/fetch.js";
export { type GatewayOptions, type LoadRequest, RepodataGateway, RepodataIndex } from "./repodata/gateway.js";
export { type CacheState, HttpCache } from "./repodata/http-cache.js";
export { SparseRepodata } from "./repodata/sparse-index.js";
export { type SearchResult, searchIndex, sortSearchResults } from "./repodata/search.js";
export {
  type ActivationOptions,
  type ActivationPlan,
  activationScripts,
  parseShell,
  planActivate,
  planDeactivate,
  planReactivate,
  prefixPathEntries,
  replacePrefixInPath,
  SHELLS,
  type ShellName,
} from "./env/activation.js";
export { readPrefixEnvVars, writePrefixEnvVars } from "./env/prefix-env-vars.js";
export {
  activatedEnvironment,
  CommandNotFoundError,
  findOnPath,
  type RunOptions,
  runInEnvironment,
} from "./env/run-in-environment.js";
export { currentInvocation, renderActivation, renderShellHook } from "./env/shell-script.js";
export {
  ARCHIVE_EXTENSIONS,
  type ArchiveExtension,
  type ArchiveName,
  assertValidBuildString,
  assertValidPackageName,
  assertValidVersionString,
  buildStringProblem,
  InvalidPackageNameError,
  isValidArtifactExtension,
  isValidBuildString,
  isValidLabelName,
  isValidPackageName,
  isValidSubdirName,
  isValidVersionString,
  packageNameProblem,
  parseArchiveFilename,
  splitArchiveExtension,
  tryParseArchiveFilename,
  versionStringProblem,
} from "./conda/archive-name.js";
export { buildIndexJson, type PackOptions, type PackResult, packPackage } from "./package/pack/pack.js";
export { DEFAULT_PREFIX_PLACEHOLDER, PackSourceError, type PathsEntry } from "./package/pack/paths-scan.js";
export { type PackRecipe, RecipeError, readRecipe, validateRecipe } from "./package/pack/recipe.js";
export {
  cudaVersionForDriver,
  DEFAULT_CROSS_TARGET_GLIBC,
  detectArchspec,
  detectHost,
  detectVirtualPackages,
  type HostInfo,
  linuxKernelVersion,
  resetVirtualPackageCache,
  type VirtualPackageOptions,
  VirtualPackageOverrideError,
} from "./conda/virtual-packages.js";
export {
  ChannelMatcher,
  IncompatibleSpecsError,
  MATCH_SPEC_FIELDS,
  MatchSpec,
  type MatchSpecField,
  type MatchSpecFields,
  StringMatcher,
} from "./conda/match-spec.js";
export { matchSpecName } from "./conda/spec-name.js";
export {
  type DependencyNode,
  type DependencyOrderOptions,
  dependencyOrder,
} from "./conda/dependency-order.js";
export {
  environmentFileFromRecords,
  type ExportOptions,
  type ExportRecord,
  environmentFileJson,
  exportChannelName,
} from "./env/environment-export.js";
export {
  applyFileChannels,
  readEnvironmentSpecFile,
  readSpecInput,
  SpecFileError,
  type SpecInput,
  UnknownInstallerError,
} from "./env/spec-input.js";
export {
  type CondaLockWriteOptions,
  formatCondaLock,
  isLockFileName,
  type LockableRecord,
  type LockedCondaPackage,
  type LockedPackage,
  type LockedPypiPackage,
  type LockedSourcePackage,
  type LockEnvironment,
  type LockFile,
  LockFileError,
  type LockFormat,
  type LockSelection,
  LockSelectionError,
  type LockSelectOptions,
  LockUnsupportedPackagesError,
  looksLikeLockText,
  NEWEST_LOCK_VERSION,
  parseLockFile,
  readLockFile,
  selectLockedPackages,
} from "./env/lockfile/index.js";
export { checkPipAvailable, finishEnvironmentFromFile } from "./env/environment-file-extras.js";
export { pipInstalledPackages } from "./env/pip-installed.js";
export { exportEnvironment } from "./ops/export-environment.js";
export {
  historyDistToSpec,
  RevisionError,
  type RevisionTarget,
  revisionTarget,
  solveRevision,
} from "./ops/revision-environment.js";
export { checkInstalled, PackagesNotInstalledError } from "./ops/installed-check.js";
export { checkCreateTarget, PrefixExistsError } from "./ops/create-target.js";
export { ActiveEnvironmentError, checkNotActive, deleteEnvironmentDir } from "./ops/delete-environment.js";
export { recordsToFetch } from "./package/fetch-list.js";
export { type ApplyOptions, applyEnvironment, planEnvironment } from "./ops/apply-environment.js";
export { channelConfigOf, gatewayFor } from "./ops/channels.js";
export { createEmptyEnvironment } from "./ops/empty-environment.js";
export { explicitEnvironment } from "./ops/explicit-environment.js";
export { applyDepsModifier, type DepsModifier, type PrunedEnvironment } from "./ops/deps-modifier.js";
export { CloneSourceError, cloneEnvironment, cloneSourcePrefix } from "./ops/clone-environment.js";
export {
  INIT_END,
  INIT_START,
  type InitResult,
  rcFileFor,
  renderInitBlock,
  updateRcFile,
  withInitBlock,
} from "./env/shell-init.js";
export { PrefixBusyError, withPrefixLock } from "./ops/prefix-lock.js";
export { mergeSpecs, requestedSpecsFrom, requestedSpecsOf } from "./ops/requested-specs.js";
export {
  type ChangeKind,
  type EnvironmentRequest,
  pinnedSpecsOf,
  type SolvedEnvironment,
  solveEnvironment,
} from "./ops/solve-environment.js";
export {
  installPipRequirements,
  PipInstallError,
  PipNotAvailableError,
  prefixPython,
} from "./env/pip-section.js";
export { LockTimeoutError, withArtifactLock } from "./package/artifact-lock.js";
export {
  type CachePhase,
  CacheNotWritableError,
  type CacheProgress,
  type EnsureOptions,
  PackageCache,
} from "./package/cache.js";
export { type ArchiveFetchOptions, fetchArchive } from "./package/fetch-archive.js";
export { isWritableDir, pkgsDirsFrom } from "./package/pkgs-dirs.js";
export {
  type CleanFindings,
  countFindings,
  findIndexCaches,
  findTarballs,
  findUnusedPackages,
  removeAside,
  removeFindings,
  removeIndexCaches,
  removePackage,
  removeTarball,
  writablePkgsDirs,
} from "./package/cache-clean.js";
export { type Cleanable, findCleanable, packageDirsInUse } from "./ops/clean-cache.js";
export {
  type SatHooks,
  type SatResult,
  type SatSolveOptions,
  type SatStats,
  CdclSolver,
  type UnsatCore,
} from "./solver/sat/cdcl.js";
export type { RecordIndex } from "./solver/conda/candidates.js";
export { type ChoiceExplanation, explainChoices } from "./solver/conda/explain.js";
export {
  type SolveRequest,
  type SolveResult,
  type SolveStats,
  solve,
  solveAsync,
  type UpdateModifier,
} from "./solver/conda/solve.js";
export { parseSolverSpec, type SolverSpec } from "./solver/conda/spec.js";
export {
  type ConflictNode,
  type ExcludedMatches,
  PackagesNotFoundError,
  SolveAbortedError,
  UnsatisfiableError,
} from "./solver/errors.js";
export { type PrioritizedUrl, prioritizeChannels } from "./conda/channel.js";
export { buildChannelData } from "./server/index/channeldata.js";
export {
  ChannelIndexError,
  type IndexOptions,
  indexChannel,
  type SubdirSummary,
} from "./server/index/index-channel.js";
export { type ShardFile, buildShards } from "./server/index/shards.js";
export {
  dependencyClosure,
  MirrorError,
  type MirrorOptions,
  type MirrorResult,
  mirrorChannel,
} from "./server/mirror/mirror-channel.js";
export {
  AuditLog,
  type AuditEntry,
  type AuditLogOptions,
  type AuditVerification,
  auditFiles,
  verifyAuditLog,
} from "./server/serve/audit-log.js";
export { tailAuditLog } from "./server/serve/audit-tail.js";
export { ChannelServer, type ChannelServerOptions } from "./server/serve/channel-server.js";
export {
  AuditChainError,
  HttpError,
  ServerConfigError,
  ServerListenError,
  TokenError,
} from "./server/serve/errors.js";
export { allows, formatScope, parseScope, type Scope } from "./server/serve/scopes.js";
export { type ChannelAccess, loadServerConfig, type ServerConfig } from "./server/serve/server-config.js";
export {
  createToken,
  hashToken,
  listTokens,
  revokeToken,
  TokenRegistry,
} from "./server/serve/token-store.js";
export {
  condaMetaDir,
  LINK_TYPE,
  type PrefixPathEntry,
  type PrefixPathType,
  type PrefixRecord,
  prefixRecordFromJson,
  prefixRecordToJson,
  readPrefixRecords,
  recordFileName,
  writePrefixRecord,
} from "./install/conda-meta.js";
export {
  appendHistory,
  formatHistoryEntry,
  type HistoryChange,
  type HistoryEntry,
  type HistoryRevision,
  historyDist,
  historyRevisions,
  parseHistory,
  readHistory,
} from "./install/history.js";
export { LinkError, PackageMetadataError, PaddingError, PrefixStateError } from "./install/install-errors.js";
export {
  type Clobber,
  type LinkMode,
  type LinkOptions,
  type LinkResult,
  linkPackage,
  unlinkPackage,
} from "./install/link.js";
export { runLinkScript, type ScriptAction, type ScriptResult } from "./install/link-scripts.js";
export { noarchTargetPath, type PythonInfo, pycPath, pythonInfoFor } from "./install/noarch-python.js";
export {
  type EntryPoint,
  type PackageContents,
  type PackagePathEntry,
  PREFIX_PLACEHOLDER,
  readPackageContents,
} from "./install/package-contents.js";
export { relocateContent, replacePrefixBinary, replacePrefixText } from "./install/relocate.js";
export {
  type ExecuteOptions,
  executeTransaction,
  planTransaction,
  type RecoveryResult,
  recoverPrefix,
  type TargetPackage,
  type TransactionPlan,
  type TransactionProgress,
  type TransactionResult,
} from "./install/transaction.js";
export { type PrefixProblem, type PrefixVerification, verifyPrefix } from "./install/verify-prefix.js";
export { type Advisory, AdvisoryIndex, type AdvisoryMatch, readAdvisoryFile } from "./policy/advisories.js";
export { type AuditFinding, type AuditReport, auditFindingToJson, auditRecords } from "./policy/audit.js";
export { cvss3BaseScore } from "./policy/cvss.js";
export { enforcePolicy } from "./policy/enforce.js";
export { PolicyFileError, PolicyViolationError, type Violation } from "./policy/errors.js";
export {
  isSpdxExpression,
  type LicenseExpr,
  licenseToString,
  normalizeLicenseTerm,
  parseLicense,
} from "./policy/license-expression.js";
export { loadPolicy, type PolicySources, policyFiles } from "./policy/load-policy.js";
export { type Evaluation, Policy, type PolicyOptions } from "./policy/policy.js";
export { parsePolicyText, type RuleSpec, readPolicyFile, type Severity } from "./policy/policy-file.js";
export { condaPurl } from "./policy/purl.js";
export { cycloneDxSbom } from "./policy/sbom-cyclonedx.js";
export type { SbomOptions } from "./policy/sbom-graph.js";
export { spdxSbom } from "./policy/sbom-spdx.js";
