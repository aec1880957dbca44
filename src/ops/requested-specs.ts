import { matchSpecName } from "../conda/spec-name.js";
import { type HistoryEntry, readHistory } from "../install/history.js";

/**
 * The specs a user has asked for in a prefix over its life, by package name, as conda's
 * `History.get_requested_specs_map` rebuilds them: each `# update specs` line adds or replaces,
 * each `# remove specs` line drops, `# neutered specs` replace. An environment conda made keeps
 * its requests this way, so `install` after `create` re-solves with both.
 */
export function requestedSpecsOf(prefix: string): Map<string, string> {
  return requestedSpecsFrom(readHistory(prefix));
}

/** The same over given history entries (e.g. the first N+1, for the requests as of revision N). */
export function requestedSpecsFrom(entries: readonly HistoryEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries) {
    for (const s of entry.updateSpecs) {
      const n = matchSpecName(s);
      if (n) out.set(n, s);
    }
    for (const s of entry.removeSpecs) {
      const n = matchSpecName(s);
      if (n) out.delete(n);
    }
    for (const s of entry.neuteredSpecs) {
      const n = matchSpecName(s);
      if (n && out.has(n)) out.set(n, s);
    }
  }
  return out;
}

/** Merges new specs over earlier ones: a new spec for a name replaces the old one. */
export function mergeSpecs(previous: Map<string, string>, specs: readonly string[]): Map<string, string> {
  const out = new Map(previous);
  for (const s of specs) {
    const n = matchSpecName(s);
    if (n) out.set(n, s);
  }
  return out;
}
