import { TaipanError } from "../conda/errors.js";
import type { LoadedConfig } from "../env/config.js";
import { historyRevisions, readHistory } from "../install/history.js";
import { requestedSpecsFrom, requestedSpecsOf } from "./requested-specs.js";
import { type SolvedEnvironment, solveEnvironment } from "./solve-environment.js";

// `install --revision N`: back to the exact packages conda-meta/history lists for revision N.

/** A revision that does not exist, or a history entry that cannot be read (conda's CondaValueError). */
export class RevisionError extends TaipanError {
  constructor(message: string, hint: string) {
    super("VALUE", message, { hint, exceptionName: "CondaValueError" });
  }
}

/** `channel::name-version-build` from history → an exact spec conda would accept. */
export function historyDistToSpec(dist: string): string {
  const sep = dist.lastIndexOf("::");
  const channel = sep >= 0 ? dist.slice(0, sep) : "";
  const d = sep >= 0 ? dist.slice(sep + 2) : dist;
  const m = /^(.+)-([^-]+)-([^-]+)$/.exec(d);
  if (!m)
    throw new RevisionError(
      `cannot read the history entry '${dist}'`,
      "conda-meta/history is damaged; restore another revision or recreate the environment.",
    );
  // conda's `name=VER=BUILD` is an exact version and build; the solver's own spec reader takes it
  // (it does not read the `name==VER=BUILD` spelling).
  const spec = `${m[1]}=${m[2]}=${m[3]}`;
  return channel && channel !== "<unknown>" ? `${channel}::${spec}` : spec;
}

/** What restoring a revision asks for, read from the prefix's history. */
export interface RevisionTarget {
  prefix: string;
  /** Exact specs of every package of the revision. */
  exact: string[];
  /** The channels those packages came from (added after the given ones). */
  extraChannels: string[];
  /** The user's requests as of the revision. */
  requestedThen: Map<string, string>;
  /** The user's requests now. */
  requestedNow: Map<string, string>;
}

/**
 * Reads revision `revision` (as `list --revisions` numbers them) of the prefix's history; throws
 * RevisionError when there is no such revision or its entries cannot be read.
 */
export function revisionTarget(prefix: string, revision: string | number): RevisionTarget {
  const n = Number(revision);
  const revs = historyRevisions(readHistory(prefix));
  const rev = revs[n];
  if (!Number.isInteger(n) || !rev)
    throw new RevisionError(
      `no revision ${revision} in ${prefix}`,
      `Revisions 0 to ${revs.length - 1} exist; see \`taipan list --revisions\`.`,
    );
  const exact = [...rev.packages].map(historyDistToSpec);
  const extraChannels = [...rev.packages]
    .map((d) => (d.includes("::") ? d.slice(0, d.lastIndexOf("::")) : ""))
    .filter((c) => c && c !== "<unknown>");
  return {
    prefix,
    exact,
    extraChannels,
    requestedThen: requestedSpecsFrom(revs.slice(0, n + 1).map((r) => r.entry)),
    requestedNow: requestedSpecsOf(prefix),
  };
}

/**
 * Solves for exactly the revision's packages. What history records as requested is the user's
 * requests as of that revision (not those exact pins, and not requests made after it), so later
 * installs and `update --all` behave as they did then.
 */
export async function solveRevision(
  target: RevisionTarget,
  options: {
    channels: string[];
    config: LoadedConfig;
    subdir?: string;
    offline?: boolean;
    signal?: AbortSignal;
  },
): Promise<SolvedEnvironment> {
  const { requestedThen, requestedNow } = target;
  return {
    ...(await solveEnvironment({
      prefix: target.prefix,
      kind: "install",
      specs: target.exact,
      fromScratch: true,
      channels: [...new Set([...options.channels, ...target.extraChannels])],
      config: options.config,
      subdir: options.subdir,
      offline: options.offline,
      signal: options.signal,
    })),
    requestedSpecs: [...requestedThen.values()],
    updateSpecs: [...requestedThen.values()],
    removeSpecs: [...requestedNow.keys()].filter((name) => !requestedThen.has(name)),
  };
}
