import pc from "picocolors";

// A reader that stops early (`taipan list | head -1`) closes the pipe: that is not an error of the
// command, which must still finish (a transaction may be running), so later writes are dropped
// instead of crashing the process with an unhandled EPIPE and a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
}

/** How a command should talk: machine JSON, quiet, or human (with colour when stderr is a TTY). */
export interface OutputMode {
  json: boolean;
  quiet: boolean;
  verbose: number;
}

export function outputMode(opts: {
  json?: boolean;
  quiet?: boolean;
  verbose?: number | boolean;
}): OutputMode {
  const verbose = typeof opts.verbose === "number" ? opts.verbose : opts.verbose ? 1 : 0;
  return { json: opts.json === true, quiet: opts.quiet === true, verbose };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Human-readable progress/info lines go to stderr so stdout stays parseable (as conda does with --json). */
export function info(mode: OutputMode, line: string): void {
  if (mode.json || mode.quiet) return;
  process.stderr.write(`${line}\n`);
}

export function warn(mode: OutputMode, line: string): void {
  if (mode.json) return;
  process.stderr.write(`${pc.yellow("warning")}: ${line}\n`);
}

/** Renders rows as an aligned plain-text table (no borders, like conda's plan tables). */
export function table(rows: string[][], indent = "  "): string {
  if (rows.length === 0) return "";
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      (
        indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")
      ).trimEnd(),
    )
    .join("\n");
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} ${units[u]}` : `${v.toFixed(1)} ${units[u]}`;
}
