import type { TransactionProgress } from "../install/transaction.js";
import type { CacheProgress } from "../package/cache.js";
import { formatBytes, type OutputMode } from "./output.js";

export interface ProgressReporter {
  onDownload: (p: CacheProgress) => void;
  onLink: (p: TransactionProgress) => void;
  done: () => void;
}

/**
 * Download/extract/link progress on stderr: one redrawn status line on a terminal, one plain line
 * per finished package otherwise (logs stay readable), nothing with --json or -q.
 */
export function createProgress(mode: OutputMode, total: number): ProgressReporter {
  const silent = mode.json || mode.quiet;
  const tty = process.stderr.isTTY === true;
  let finished = 0;
  let bytes = 0;
  let lastDraw = 0;
  let drawn = false;
  const draw = (text: string, force = false) => {
    if (silent) return;
    if (!tty) {
      process.stderr.write(`${text}\n`);
      return;
    }
    const now = Date.now();
    if (!force && now - lastDraw < 80) return; // redraw at most ~12 times a second
    lastDraw = now;
    const width = process.stderr.columns ?? 80;
    process.stderr.write(`\r${text.slice(0, width - 1).padEnd(width - 1)}`);
    drawn = true;
  };
  return {
    onDownload(p) {
      if (p.phase === "download" && p.bytes !== undefined) {
        if (tty) {
          const pct = p.total ? ` ${Math.floor((100 * p.bytes) / p.total)}%` : "";
          draw(`Downloading [${finished}/${total}] ${p.record.distName}${pct}`);
        }
        return;
      }
      if (p.phase === "done" || p.phase === "cached") {
        finished++;
        bytes += p.record.size ?? 0;
        const what = p.phase === "cached" ? "cached" : "fetched";
        draw(
          `Packages [${finished}/${total}] ${what} ${p.record.distName} (${formatBytes(bytes)} total)`,
          !tty,
        );
      }
    },
    onLink(p) {
      const verb = p.phase === "link" ? "Linking" : "Unlinking";
      draw(`${verb} [${p.index + 1}/${p.total}] ${p.dist}`, !tty);
    },
    done() {
      if (!silent && tty && drawn)
        process.stderr.write(`\r${" ".repeat((process.stderr.columns ?? 80) - 1)}\r`);
    },
  };
}
